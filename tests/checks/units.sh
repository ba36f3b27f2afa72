#!/usr/bin/env bash
# The systemd units in dist/ pass `systemd-analyze verify`, pointed at the
# tools just built (the units name their installed paths, /usr/local/sbin
# and /usr/local/bin).
# This checks their syntax and references only: nothing is started.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "${LANSYNC_BIN:-$root/build/bin}" && pwd)
if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze is not installed (package systemd)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
units=()
for f in "$root"/dist/*.service "$root"/dist/*.timer "$root"/dist/*.path; do
  grep -q '/usr/local/s\?bin/' "$f" || [ "${f##*.}" != service ] || {
    echo "FAIL  $(basename "$f") does not run a tool from /usr/local/bin or /usr/local/sbin"
    exit 1
  }
  sed "s#/usr/local/s\?bin/#$bin/#" "$f" >"$tmp/$(basename "$f")"
  units+=("$tmp/$(basename "$f")")
done
# Documentation=man:... must resolve to our pages.
for page in "$root"/man/*.[0-9]; do
  mkdir -p "$tmp/man/man${page##*.}"
  cp "$page" "$tmp/man/man${page##*.}/"
done
if out=$(cd "$tmp" && MANPATH="$tmp/man" SYSTEMD_UNIT_PATH="$tmp:" systemd-analyze verify "${units[@]}" 2>&1) &&
  [ -z "$out" ]; then
  echo "ok    systemd-analyze verify is silent on ${#units[@]} units"
else
  echo "FAIL  systemd-analyze verify:"
  echo "$out"
  exit 1
fi
