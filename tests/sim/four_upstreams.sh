#!/usr/bin/env bash
# Four servers: two good, one 50 ms off (a falseticker) and one that never answers (every
# packet to and from it lost).  The daemon should follow the two good ones.  sntpd against
# chronyd by RMS and maximum offset, RMS frequency error and requests (to all four).
source "$(dirname "$0")/lib.sh"
SERVERS=4
sim_setup "$@"
scenario_conf() {
  echo "node3_offset = 0.05"
  echo "node${D}_delay4 = (* -1 1)"
  echo "node4_delay${D} = (* -1 1)"
}
sim_scenario "four servers: two good, one 50 ms off, one silent"
