#!/usr/bin/env bash
# rdate over SNTP (`rdate -n -p HOST`: print only, never set; unpacked from Debian's rdate)
# against sntpd, the board and chronyd in each case (tests/clients/lib.sh): it takes a
# synchronized server's time (within half its run: it states no error) and gives up on an
# unsynchronized one after one query, with the same message for each.  A reply it calls a
# bad packet (stratum 16) it asks again for, up to 26 times: sntpd's and chronyd's counters
# say how many it sent.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
CLIENT=rdate
COMPARE_QUERIES=yes
RDATE=$PEERS/rdate/usr/sbin/rdate
need_client "$RDATE"
start_servers ntp

query() {
  local out rc=0 offset
  out=$(without_sys_time timeout "$DEADLINE_S" "$RDATE" -n -p -v "$1" 2>&1) || rc=$?
  offset=$(sed -n 's/^rdate: adjust local clock by \([-0-9.]*\) seconds$/\1/p' <<<"$out")
  if [ "$rc" -eq 0 ] && [ -n "$offset" ]; then
    VERDICT="accepted $offset -"
  else
    VERDICT="refused $(grep -m 1 '^rdate: ' <<<"$out" | sed 's/^rdate: //') (exit $rc)"
  fi
}
run_clients query
for s in sntpd ref; do
  check "rdate gave up on the unsynchronized $s after one query (${QUERIES[$s/unsync]:-?} sent)" \
    [ "${QUERIES[$s/unsync]:-}" = 1 ]
done
finish_clients rdate
