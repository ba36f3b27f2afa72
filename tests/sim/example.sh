#!/usr/bin/env bash
# chrony's example network (clknetsim's README, chrony's test/simulation defaults): one server,
# a clock whose frequency wanders by 1e-9 per second, 1 ms plus an exponential of mean 1 ms
# each way.  sntpd against chronyd by RMS and maximum offset, RMS frequency error and requests.
source "$(dirname "$0")/lib.sh"
sim_setup "$@"
sim_scenario "chrony's example: one server, frequency wander 1e-9/s, 1 ms + Exp(1 ms) each way"
