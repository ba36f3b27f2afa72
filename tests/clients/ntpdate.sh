#!/usr/bin/env bash
# ntpsec's ntpdate (`ntpdate -q HOST`: query only; the shim that runs ntpdig with ntpdate's
# options, unpacked from Debian's ntpsec-ntpdate, whose hooks would set the clock at every
# network change) against sntpd, the board and chronyd in each case (tests/clients/lib.sh):
# it takes a synchronized server's time within the "+/-" it prints and refuses an
# unsynchronized one with the same message for each, in one query.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
CLIENT=ntpdate
COMPARE_QUERIES=yes
NTPDATE=$PEERS/ntpsec-ntpdate/usr/sbin/ntpdate
need_client "$NTPDATE"
start_servers ntp

# "2026-11-26 05:31:49.565139 (+0000) +5.000002 +/- 0.000056 127.0.0.1 s10 no-leap"
query() {
  local out rc=0 offset error
  out=$(without_sys_time timeout "$DEADLINE_S" "$NTPDATE" -q "$1" 2>"$WORK/ntpdate.err") || rc=$?
  read -r _ _ _ offset _ error _ <<<"$out"
  if [ "$rc" -eq 0 ] && [ -n "${error:-}" ]; then
    VERDICT="accepted $offset $error"
  else
    refused_by_ntpdig "$WORK/ntpdate.err" "$rc"
  fi
}
run_clients query
finish_clients ntpdate
