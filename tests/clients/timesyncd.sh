#!/usr/bin/env bash
# systemd-timesyncd (unpacked from Debian's package, never installed: a Pi running the tests
# must not get a second time daemon) against sntpd, the board and chronyd in each case
# (tests/clients/lib.sh).  It has no query-only mode, so it runs as it would on a Pi, but:
# with a configuration naming only the server (in a mount namespace of its own: an empty
# /etc/systemd, /run/systemd and /run/dbus, its state folder /var/lib/systemd in $WORK), as
# an unprivileged user (uid 100 of a user namespace of its own) without CAP_SYS_TIME; the
# test reads its debug log: the offset of each "NTP response" it takes (within half the delay
# and the root distance it logs), and that its clock_adjtime() was refused; or the reason it
# gave for dropping the server ("Server is not synchronized").  The test stops it there.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
CLIENT=systemd-timesyncd
TIMESYNCD=$PEERS/systemd-timesyncd/lib/systemd/systemd-timesyncd
need_client "$TIMESYNCD"
start_servers ntp
# A board whose clock was never set stamps its LI=3 replies with its counter's time, in 1970:
# timesyncd refuses them for that ("times before epoch") before it reads LI, and waits for its
# timeout instead of dropping the server at once.  Refused either way; chronyd always has a time.
intended unsync board "a board never set stamps 1970, which timesyncd refuses before reading LI"

# The mount namespace timesyncd runs in: its configuration ($1), its state folder ($2), and
# nothing of this machine's systemd or D-Bus to talk to; then the rest of the command.
TIMESYNCD_ROOM='conf=$1 state=$2
shift 2
mount -t tmpfs lansync-test /etc/systemd && cp "$conf" /etc/systemd/timesyncd.conf || exit 1
for d in /run/systemd /run/dbus; do
  if [ -d "$d" ]; then mount -t tmpfs lansync-test "$d" || exit 1; fi
done
mount --bind "$state" /var/lib/systemd || exit 1
exec "$@"'

# What it logs when it drops a reply or a server (systemd's src/timesync/timesyncd-manager.c).
DROPPED='Disconnecting|Ignoring|Timed out'

# A verdict from its log: "  offset       : +5.000 sec", "  delay        : +0.000 sec" and
# "  root distance: 0.000015 sec" of the response it used, else the line saying why not.
query() {
  local n=${2//\//-} pid log line
  printf '[Time]\nNTP=%s\nFallbackNTP=%s\n' "$1" "$1" >"$WORK/$n.conf"
  mkdir -p "$WORK/$n-state"
  start "timesyncd-$n" unshare -m bash -c "$TIMESYNCD_ROOM" timesyncd "$WORK/$n.conf" "$WORK/$n-state" \
    unshare --user --map-user=100 --map-group=100 --keep-caps "${NO_SYS_TIME[@]}" \
    env SYSTEMD_LOG_LEVEL=debug SYSTEMD_LOG_TARGET=console "$TIMESYNCD"
  pid=$LAST_PID
  log=$WORK/timesyncd-$n.log
  wait_until "$DEADLINE_S" grep -qE "interval/delta/delay|$DROPPED" "$log" || true
  kill "$pid" 2>/dev/null || true
  reap "$pid"
  if grep -q 'interval/delta/delay' "$log"; then
    VERDICT="accepted $(awk '/^  offset +:/ { o = $3 } /^  delay +:/ { d = $3 } /^  root distance:/ { r = $3 }
      END { printf "%s %.6f", o, d / 2 + r + 0.0005 }' "$log")"
    ADJTIME[$2]=$(grep -m 1 -o 'Failed to call clock_adjtime(): .*' "$log" || echo "no clock_adjtime() error")
  else
    line=$(sed -n '/^Sent NTP request/,$p' "$log" | grep -m 1 -E "$DROPPED" || echo "no verdict: $(tail -n 1 "$log")")
    VERDICT="refused $line"
  fi
}
declare -A ADJTIME
run_clients query
for key in "${!ADJTIME[@]}"; do
  check "timesyncd -> ${key%%/*} ${CASE_NAME[${key#*/}]}: its clock_adjtime() was refused (${ADJTIME[$key]})" \
    [ "${ADJTIME[$key]}" = "Failed to call clock_adjtime(): Operation not permitted" ]
done
finish_clients timesyncd
