#!/usr/bin/env bash
# Two servers, and the clock corrected only while both agree (sntpd --min-sources 2, chronyd
# minsources 2), on chrony's example network.  sntpd against chronyd by RMS and maximum offset,
# RMS frequency error and requests (to both).
source "$(dirname "$0")/lib.sh"
SERVERS=2
CHRONY_OPTIONS=("minsources 2")
SNTPD_OPTIONS=(--min-sources 2)
sim_setup "$@"
sim_scenario "two servers, --min-sources 2 (chronyd: minsources 2)"
