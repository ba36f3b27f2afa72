#!/usr/bin/env bash
# chronyd as a one-shot client (`chronyd -Q`: it measures and prints "System clock wrong by
# X seconds (ignored)", and changes nothing) against sntpd, the board and chronyd in each
# case (tests/clients/lib.sh): it takes a synchronized server's time within the error of its
# measurement (its measurements.log) and finds no usable time in an unsynchronized one
# before its timeout (3 s there; 10 s where it should accept, for a loaded machine).
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
CLIENT="chronyd -Q"
start_servers ntp

query() {
  local out dir=$WORK/chrony-q timeout=10 offset
  [ "${2#*/}" = unsync ] && timeout=3
  rm -rf "$dir"
  mkdir -p "$dir"
  out=$(without_sys_time chronyd -Q -u root -t "$timeout" "logdir $dir" "log measurements" \
    "server $1 iburst maxsamples 1" 2>&1 || true)
  offset=$(clock_wrong_by "$out")
  if [ -n "$offset" ]; then
    VERDICT="accepted $offset $(chrony_measurement_error <"$dir/measurements.log" 2>/dev/null || echo -1)"
  elif grep -q 'Timeout reached' <<<"$out"; then
    VERDICT="refused no usable reply in $timeout s (Timeout reached)"
  else
    VERDICT="refused $(tail -n 1 <<<"$out" | cut -d' ' -f2-)"
  fi
}
run_clients query
finish_clients chronyd
