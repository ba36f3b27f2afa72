#!/usr/bin/env bash
# ntpsec's ntpd as a real client of sntpd.  ntpd will not take a server on
# its own loopback, so it runs on a second "host": a network namespace joined
# to this one by a veth pair.  Once synchronized to sntpd it serves stratum
# 11 with sntpd's address as its reference ID; an unsynchronized sntpd (LI=3)
# never gets it there.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
if [ ! -x "$NTPSEC_NTPD" ]; then
  echo "SKIP: ntpsec's ntpd is not unpacked at $NTPSEC_NTPD (scripts/install-deps.sh --test does it)"
  exit $SKIP
fi

second_host 10.9.0.1 10.9.0.2
ntpd_client() {  # SERVER
  printf 'server %s iburst minpoll 3 maxpoll 3\ntos minsane 1\ndriftfile %s/ntpd.drift\n' "$1" "$WORK" \
    >"$WORK/ntpd.conf"
  start ntpd nsenter -t "$PEER" -n "$NTPSEC_NTPD" -n -c "$WORK/ntpd.conf" -l "$WORK/ntpd.daemon.log"
}

requests() { "$BIN/sntpd" status --json --control "$WORK/$1.sock" | jq .counters.requests; }

# A synchronized sntpd: ntpd follows it (iburst, 8 s polls: well within 60 s).
start_sntpd synced --listen 10.9.0.1:123 --local-stratum 10
synced_pid=$LAST_PID
wait_for_ntp 10.9.0.1:123
base=$(requests synced)
ntpd_client 10.9.0.1
ntpd_pid=$LAST_PID
state=$(wait_for_state 10.9.0.2 "11 10.9.0.1" 60)
check "ntpd synchronizes to sntpd: stratum 11, refid 10.9.0.1 (got '$state')" [ "$state" = "11 10.9.0.1" ]
needed=$(($(requests synced) - base))  # the requests ntpd sent before it synchronized
run_capture out "$BIN/ntpprobe" -o json 10.9.0.2
check_offset "ntpd then serves our time, within its stated error" "$out" 0
kill "$ntpd_pid" "$synced_pid"
wait "$ntpd_pid" "$synced_pid" 2>/dev/null || true

# An unsynchronized sntpd: ntpd gets replies but stays unsynchronized.
start_sntpd unsynced --listen 10.9.0.1:123
wait_for_ntp 10.9.0.1:123
base=$(requests unsynced)
ntpd_client 10.9.0.1
# Until ntpd has had two answers more than it needed to synchronize above.
check "ntpd asks the unsynchronized sntpd as often as it asked the synchronized one, and twice more" \
  wait_until $((DEADLINE_S * 2)) eval '[ $(($(requests unsynced) - base)) -ge $((needed + 2)) ]'
state=$(ntp_state 10.9.0.2 || true)
check "ntpd refuses an unsynchronized sntpd: still unsynchronized (got '$state')" [ "${state%% *}" = 0 ]
replies=$("$BIN/sntpd" status --json --control "$WORK/unsynced.sock" | jq .counters.replies)
check "...although sntpd answered it ($replies replies)" [ "$replies" -gt 0 ]

finish
