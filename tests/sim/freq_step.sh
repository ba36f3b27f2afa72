#!/usr/bin/env bash
# The clock's frequency steps by 5 ppm mid-run (a temperature change), on chrony's example
# network.  sntpd against chronyd by RMS and maximum offset (the step's transient included),
# RMS frequency error and requests.
source "$(dirname "$0")/lib.sh"
sim_setup "$@"
# (sum 1.0) counts the simulated seconds: 0 before the middle of the run, 5e-6 from then on.
DAEMON_FREQ="(+ (sum (* 1e-9 (normal))) (* 5e-6 (max 0.0 (min 1.0 (+ (sum 1.0) -$SIM_MID_S)))))"
sim_scenario "the frequency steps by 5 ppm at $SIM_MID_S s"
