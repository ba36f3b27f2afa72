#!/usr/bin/env bash
# A clock 0.5 s off at the start (under sntpd's --step-threshold of 1 s, so slewed, as chronyd
# without makestep slews), on chrony's example network.  Judged: the time to the first
# |offset| < 1 ms, sntpd's against chronyd's; the other figures are shown.
source "$(dirname "$0")/lib.sh"
DAEMON_OFFSET=0.5
JUDGED="first_1ms"
sim_setup "$@"
sim_scenario "the clock starts 0.5 s off"
