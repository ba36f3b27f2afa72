#!/usr/bin/env bash
# ntpsec's ntpdig (`ntpdig -j HOST`, which only reports unless told to set the clock) against
# sntpd, the board and chronyd in each case (tests/clients/lib.sh): it takes a synchronized
# server's time within the error it states (its JSON's "precision": half the round trip plus
# the server's root distance), refuses an unsynchronized one with the same message for
# each, in one query.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
CLIENT=ntpdig
COMPARE_QUERIES=yes
start_servers ntp

query() {
  local out rc=0
  out=$(without_sys_time timeout "$DEADLINE_S" ntpdig -j "$1" 2>"$WORK/ntpdig.err") || rc=$?
  if [ "$rc" -eq 0 ] && [ -n "$(json offset "$out")" ]; then
    VERDICT="accepted $(json offset "$out") $(json precision "$out")"
  else
    refused_by_ntpdig "$WORK/ntpdig.err" "$rc"
  fi
}
run_clients query
finish_clients ntpdig
