#!/usr/bin/env bash
# A Wi-Fi-like path to the server: 2 ms plus an exponential of mean 5 ms each way (round trips
# of 4 to 30 ms).  sntpd against chronyd by RMS and maximum offset, RMS frequency error and
# requests.
source "$(dirname "$0")/lib.sh"
DELAY_UP="(+ 2e-3 (* 5e-3 (exponential)))"
DELAY_DOWN=$DELAY_UP
sim_setup "$@"
sim_scenario "Wi-Fi-like path: 2 ms + Exp(5 ms) each way"
