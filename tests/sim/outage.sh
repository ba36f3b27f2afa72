#!/usr/bin/env bash
# The server is unreachable for an hour mid-run (every packet lost either way), on chrony's
# example network: the daemon holds the time on its frequency alone, then comes back.  sntpd
# against chronyd by RMS and maximum offset, RMS frequency error and requests.
source "$(dirname "$0")/lib.sh"
sim_setup "$@"
# equal: 1 while |time - (middle + 1800 s)| <= 1800 s, the hour from the middle of the run.
OUTAGE="(* -1e9 (equal 1800 time $((SIM_MID_S + 1800))))"
DELAY_UP="(+ 1e-3 (* 1e-3 (exponential)) $OUTAGE)"
DELAY_DOWN=$DELAY_UP
STEADY_REFERENCE=0  # an hour without the server: past --max-age, the reference lapses
sim_scenario "the server is unreachable from $SIM_MID_S s for an hour"
