#!/usr/bin/env bash
# A first boot: the clock an hour behind (a Pi without a battery clock, back at its last saved
# time) and its crystal's frequency unknown (no drift file: -20 to +20 ppm, by seed), on chrony's
# example network, for an hour after.  sntpd as installed against chronyd as Debian configures it
# (iburst, makestep 1 3): each steps the hour once, early.  Judged from 100 s on, once both have
# stepped: RMS and maximum offset, frequency error, requests (the time to the first |offset|
# < 1 ms is shown); sntpd's log has exactly one step.  (The VM tier, tests/vm/clock.sh, does
# this on a real kernel's clock, once per run.)
source "$(dirname "$0")/lib.sh"
sim_length 3700
DAEMON_OFFSET=-3600
WARMUP_S=100
CHRONY_SERVER_OPTIONS="iburst"
CHRONY_OPTIONS=("makestep 1 3")
scenario_prepare() {
  DAEMON_FREQ="(+ $(awk -v s="$3" 'BEGIN { printf "%.3e", ((s * 7919) % 41 - 20) * 1e-6 }') (sum (* 1e-9 (normal))))"
}
scenario_check() {
  [ "$2" = sntpd ] || return 0
  local n by
  n=$(grep -c 'stepped the clock by' "$1/daemon.log" || true)
  [ "$n" = 1 ] || sim_failed "seed $3: the clock stepped $n times, not once ($1/daemon.log)"
  by=$(sed -n 's/.*stepped the clock by \([-+0-9.]*\) s.*/\1/p' "$1/daemon.log" | head -n 1)
  awk -v b="${by:-0}" 'BEGIN { exit !(b > 3599 && b < 3601) }' ||
    sim_failed "seed $3: the step was ${by:-none} s, not the hour ($1/daemon.log)"
}
sim_setup "$@"
sim_scenario "the clock starts an hour behind, its frequency unknown"
