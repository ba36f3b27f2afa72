#!/usr/bin/env bash
# chronyd as a real client of sntpd, in basic and in interleaved (xleave) mode:
# it selects a synchronized sntpd, gets interleaved replies carrying the
# kernel's transmit timestamps, and refuses an unsynchronized sntpd (LI=3).
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

selected() { chronyc -h "$WORK/$1.sock" -n sources 2>/dev/null | grep -q '^\^\* 127.0.0.1'; }

start_sntpd synced --listen 127.0.0.1:11123 --local-stratum 10
start_sntpd unsynced --listen 127.0.0.1:11124
wait_for_ntp 127.0.0.1:11123
wait_for_ntp 127.0.0.1:11124

chrony_client basic 127.0.0.2 11123
chrony_client xleave 127.0.0.3 11123 xleave
chrony_client refuses 127.0.0.4 11124
chrony_client refuses_xl 127.0.0.5 11124 xleave

check "chronyd selects sntpd in basic mode" wait_until "$DEADLINE_S" selected basic
check "basic mode: not interleaved" [ "$(ntpdata basic Interleaved)" = No ]
check "basic mode: leap status normal" [ "$(ntpdata basic 'Leap status')" = Normal ]
check "chronyd selects sntpd in xleave mode" wait_until "$DEADLINE_S" selected xleave
check "xleave mode: interleaved" [ "$(ntpdata xleave Interleaved)" = Yes ]
check "xleave mode: stratum 10" [ "$(ntpdata xleave Stratum)" = 10 ]
check_ntpdata_offset "xleave mode: offset within the error of chronyd's measurement" xleave

status=$("$BIN/sntpd" status --json --control "$WORK/synced.sock")
check "sntpd counted interleaved replies ($(jq .counters.interleaved_replies <<<"$status"))" \
  [ "$(jq .counters.interleaved_replies <<<"$status")" -gt 0 ]
check "sntpd used kernel transmit timestamps ($(jq .counters.tx_timestamps <<<"$status"))" \
  [ "$(jq .counters.tx_timestamps <<<"$status")" -gt 0 ]

# The unsynchronized server answers, and chronyd refuses what it says.
got_replies() { [ "$(ntpdata "$1" 'Total valid RX')" -ge 4 ]; }
for c in refuses refuses_xl; do
  check "$c: chronyd got replies, four at least" wait_until "$DEADLINE_S" got_replies "$c"
  check "$c: leap status not synchronised" [ "$(ntpdata "$c" 'Leap status')" = "Not synchronised" ]
  check "$c: not selected" bash -c "! chronyc -h '$WORK/$c.sock' -n sources | grep -q '^\\^\\*'"
done

finish
