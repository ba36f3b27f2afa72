#!/usr/bin/env bash
# A Pi beside a freezer's or a cold room's door, at 20 degrees: each opening (exponential
# intervals of mean 2 h) takes 8 degrees off in a minute, which come back with a time constant of
# 15 min; the crystal follows the SoC 10 minutes behind (tests/sim/thermal.py): its frequency
# dips by up to 2 ppm for half an hour.  sntpd without a sensor against chronyd's defaults by RMS
# and maximum offset, RMS frequency error and requests (thermal.sh: the variants with a sensor,
# temp_freezer_sensor and temp_freezer_tempcomp).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/thermal.sh"
THERMAL=freezer
sim_length 40000
thermal_scenario "a freezer's door opened every ~2 h (8 degrees off in 60 s, back in ~15 min); the crystal 10 min behind" "$@"
