#!/usr/bin/env bash
# The systemd units CMake generated (build/dist/) pass `systemd-analyze
# verify`, pointed at the tools just built, and each service's exposure as
# `systemd-analyze security` scores it is printed and at most 5.0.
# This checks their syntax, references and sandbox only: nothing is started.
#
#   units.sh PREFIX UNIT...     PREFIX: the install prefix the units name
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "${LANSYNC_BIN:-$root/build/bin}" && pwd)
prefix=$1
shift
if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze is not installed (package systemd)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
units=()
for f in "$@"; do
  name=$(basename "$f")
  if [ "${name##*.}" = service ] && ! grep -q "^ExecStart=$prefix/s\?bin/" "$f"; then
    echo "FAIL  $name does not run a tool from $prefix/bin or $prefix/sbin"
    status=1
  fi
  sed "s#^ExecStart=$prefix/s\?bin/#ExecStart=$bin/#" "$f" >"$tmp/$name"
  units+=("$tmp/$name")
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
  status=1
fi
# The tools that decide whether this clock may be copied (camsync, rtcset)
# read the kernel's sync status with adjtimex, read-only: their sandbox must
# allow the @clock calls (no ProtectClock=, @clock not denied); without
# CAP_SYS_TIME in their bounding set, the kernel refuses any change anyway.
for unit in "$tmp"/camsync.service "$tmp"/rtcset-*.service; do
  name=$(basename "$unit")
  if grep -q '^ProtectClock=yes' "$unit" || ! grep -q '^SystemCallFilter=[^~].*@clock' "$unit" ||
    grep -qE '^SystemCallFilter=~.*(@clock|@privileged)' "$unit"; then
    echo "FAIL  $name: its sandbox forbids reading the kernel's clock status (adjtimex)"
    status=1
  else
    echo "ok    $name may read the kernel's clock status"
  fi
done
# time-sync.target waits for sntpd-wait.service, which waits for sntpd's synchronized time.
if grep -qx 'Before=time-sync.target' "$tmp/sntpd-wait.service" &&
  grep -q '^ExecStart=.*/sntpd status --wait [0-9]' "$tmp/sntpd-wait.service"; then
  echo "ok    sntpd-wait.service runs sntpd status --wait before time-sync.target"
else
  echo "FAIL  sntpd-wait.service does not hold time-sync.target until sntpd is synchronized"
  status=1
fi
# POST /sync-camera reaches camsync only through camsync.path (sntpd --camera-request's default).
if grep -qx 'PathChanged=/var/lib/lansync/camera-request' "$tmp/camsync.path"; then
  echo "ok    camsync.path watches sntpd's camera-request file"
else
  echo "FAIL  camsync.path does not watch /var/lib/lansync/camera-request"
  status=1
fi
# camsync-watch.service asks for runs through that file (camsync --watch's default) and must listen for
# the camera camsync.service would go to: the same --discover or --camera URL.
choice() { sed -n 's/^ExecStart=//p' "$1" | grep -oE -- '--discover|--camera [^ ]+' | head -n 1; }
if grep -q '^ExecStart=.* --watch' "$tmp/camsync-watch.service" && ! grep -q -- '--camera-request' "$tmp/camsync-watch.service" &&
  [ "$(choice "$tmp/camsync-watch.service")" = "$(choice "$tmp/camsync.service")" ]; then
  echo "ok    camsync-watch.service watches for the camera camsync.service chooses ($(choice "$tmp/camsync.service"))"
else
  echo "FAIL  camsync-watch.service does not run camsync --watch with camsync.service's choice of camera"
  status=1
fi
# The page's "will retry at HH:MM" comes from camsync.service's --retry-interval: it must be the timer's period.
retry=$(sed -n 's/^ExecStart=.* --retry-interval \([^ ]*\).*/\1/p' "$tmp/camsync.service")
period=$(sed -n 's/^OnUnitActiveSec=//p' "$tmp/camsync.timer")
if [ -n "$retry" ] && [ "$retry" = "$period" ]; then
  echo "ok    camsync.service's --retry-interval is camsync.timer's OnUnitActiveSec ($period)"
else
  echo "FAIL  camsync.service's --retry-interval '$retry' is not camsync.timer's OnUnitActiveSec '$period'"
  status=1
fi
# A pulse (gps pps:/dev/ppsN, sntpd.conf(5)) must be there for sntpd to open: /dev not made private,
# the PPS class allowed, every other device but the pseudo ones closed (as chrony's Debian unit).
u="$tmp/sntpd.service"
if ! grep -q '^PrivateDevices=yes' "$u" && grep -qx 'DevicePolicy=closed' "$u" && grep -qx 'DeviceAllow=char-pps rw' "$u"; then
  echo "ok    sntpd.service may open a PPS device (/dev/pps*) and no other real device"
else
  echo "FAIL  sntpd.service hides or closes /dev/pps* (PrivateDevices=yes, or no DeviceAllow=char-pps)"
  status=1
fi
# Exposure: 0 (fully sandboxed) to 10 (unprotected); chrony's Debian unit scores about 3.
for unit in "$tmp"/*.service; do
  name=$(basename "$unit")
  score=$(cd "$tmp" && systemd-analyze security --offline=true --no-pager "$name" 2>/dev/null |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  if [ -z "$score" ]; then
    echo "FAIL  $name: systemd-analyze security gave no score"
    status=1
  elif awk -v s="$score" 'BEGIN { exit !(s <= 5.0) }'; then
    echo "ok    $name: exposure $score (at most 5.0)"
  else
    echo "FAIL  $name: exposure $score, above 5.0"
    status=1
  fi
done
exit $status
