#!/usr/bin/env bash
# The Wi-Fi-like path with its uplink busy (a phone uploading through the Pi's access point): 2 ms
# plus an exponential of mean 5 ms on the way to the server, 0.5 ms on the way back.  A sample's
# offset then reads the server ahead by about half its queueing; chronyd estimates that share
# (its asymmetry of the jitter) and takes it off.  sntpd against chronyd by RMS and maximum offset,
# RMS frequency error and requests.
source "$(dirname "$0")/lib.sh"
DELAY_UP="(+ 2e-3 (* 5e-3 (exponential)))"
DELAY_DOWN="(+ 2e-3 (* 0.5e-3 (exponential)))"
sim_setup "$@"
sim_scenario "Wi-Fi-like path, uplink busy: 2 ms + Exp(5 ms) there, 2 ms + Exp(0.5 ms) back"
