#!/usr/bin/env bash
# The server's clock is stepped by 0.1 s mid-run (its operator set it), on chrony's example
# network.  The daemon should follow its only server: its offset is judged against the
# server's clock, and the probe's clock steps with the server's.  sntpd against chronyd by RMS
# and maximum offset (the step's transient included), RMS frequency error and requests; the
# honesty check takes the replies before the step.
source "$(dirname "$0")/lib.sh"
sim_setup "$@"
# The honesty check takes the replies before the step only: after it, a daemon that follows its
# server is off by up to the step until it has followed, while it states its old error (chronyd
# too); it cannot know earlier.
HONESTY_UNTIL_S=$SIM_MID_S
scenario_conf() {
  local step="(* 0.1 (equal 0.5 (sum 1.0) $SIM_MID_S))"  # 0.1 s once, in the run's middle second
  echo "node1_step = $step"
  echo "node${P}_step = $step"
}
sim_scenario "the server's clock is stepped by 0.1 s at $SIM_MID_S s"
