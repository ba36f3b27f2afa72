#!/usr/bin/env bash
# busybox's ntpd, the client of routers and OpenWrt, query only (`ntpd -q -n -w -p HOST`:
# -w never sets the clock; built from Debian's busybox source, whose packages leave this
# applet out) against sntpd, the board and chronyd in each case (tests/clients/lib.sh): it
# reports a synchronized server's offset (within half the delay it prints) and says "peer is
# unsynced" of an unsynchronized one, the same for each.  With -w it never ends by itself:
# the test stops it at its first verdict on the server.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
CLIENT="busybox ntpd"
BUSYBOX=$PEERS/busybox/bin/busybox
need_client "$BUSYBOX"
start_servers ntp

# "ntpd: reply from 127.0.1.3: offset:+4.999992 delay:0.000031 status:0x24 strat:10 ..."
# "ntpd: reply from 127.0.1.2: peer is unsynced"
query() {
  local pid line
  start busybox "${NO_SYS_TIME[@]}" "$BUSYBOX" ntpd -q -n -w -p "$1"
  pid=$LAST_PID
  wait_until "$DEADLINE_S" grep -q "reply from $1: " "$WORK/busybox.log" || true
  kill "$pid" 2>/dev/null || true
  reap "$pid"
  line=$(grep -m 1 "reply from $1: " "$WORK/busybox.log" || true)
  if [[ $line =~ offset:([-+0-9.]+)\ delay:([0-9.]+) ]]; then
    VERDICT="accepted ${BASH_REMATCH[1]} $(awk -v d="${BASH_REMATCH[2]}" 'BEGIN { print d / 2 }')"
  else
    VERDICT="refused ${line#*reply from "$1": }"
    [ -n "$line" ] || VERDICT="refused no reply: $(tail -n 1 "$WORK/busybox.log")"
  fi
}
run_clients query
finish_clients busybox_ntpd
