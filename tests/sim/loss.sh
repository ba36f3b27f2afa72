#!/usr/bin/env bash
# A lossy, asymmetric path: 10 % of the packets lost each way (a negative delay is a lost
# packet in clknetsim), the way back 1 ms slower than the way out (which no client can see: a
# perfect one is 0.5 ms off).  sntpd against chronyd by RMS and maximum offset, RMS frequency
# error and requests; the loss measured is shown.
source "$(dirname "$0")/lib.sh"
LOST="(* -1e9 (equal 0.05 (uniform) 0.05))"  # -1e9 s (lost) when uniform in [0, 0.1]: 10 %
DELAY_UP="(+ 1e-3 (* 1e-3 (exponential)) $LOST)"
DELAY_DOWN="(+ 2e-3 (* 1e-3 (exponential)) $LOST)"
SIM_FIGURES+=(lost_fraction)
sim_setup "$@"
sim_scenario "10 % lost each way, the way back 1 ms slower"
