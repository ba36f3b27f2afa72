#!/usr/bin/env bash
# The systemd units in dist/ pass `systemd-analyze verify`, pointed at the
# rtcset just built (the units name its installed path, /usr/local/sbin).
# This checks their syntax and references only: nothing is started.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${LANSYNC_BIN:-$root/build/bin}
if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze is not installed (package systemd)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
units=()
for f in "$root"/dist/*.service "$root"/dist/*.timer "$root"/dist/*.path; do
  grep -q '/usr/local/sbin/rtcset' "$f" || [ "${f##*.}" != service ] || {
    echo "FAIL  $(basename "$f") does not run /usr/local/sbin/rtcset"
    exit 1
  }
  sed "s#/usr/local/sbin/rtcset#$bin/rtcset#" "$f" >"$tmp/$(basename "$f")"
  units+=("$tmp/$(basename "$f")")
done
# Documentation=man:rtcset(8) must resolve to our page.
mkdir -p "$tmp/man/man8"
cp "$root/man/rtcset.8" "$tmp/man/man8/"
if out=$(cd "$tmp" && MANPATH="$tmp/man" SYSTEMD_UNIT_PATH="$tmp:" systemd-analyze verify "${units[@]}" 2>&1) &&
  [ -z "$out" ]; then
  echo "ok    systemd-analyze verify is silent on ${#units[@]} units"
else
  echo "FAIL  systemd-analyze verify:"
  echo "$out"
  exit 1
fi
