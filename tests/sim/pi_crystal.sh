#!/usr/bin/env bash
# A Raspberry Pi's crystal: the clock runs 30 ppm fast, wandering by 2e-9 per second, on
# chrony's example network.  sntpd against chronyd by RMS and maximum offset, RMS frequency
# error and requests.
source "$(dirname "$0")/lib.sh"
DAEMON_FREQ="(+ 30e-6 (sum (* 2e-9 (normal))))"
sim_setup "$@"
sim_scenario "a Pi's crystal: 30 ppm fast, wandering 2e-9/s"
