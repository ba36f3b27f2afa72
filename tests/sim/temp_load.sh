#!/usr/bin/env bash
# A timelapse rig: the Pi's CPU load steps between idle and full (each lasting an exponential of
# mean 1.5 h) in a room at 22 degrees; the SoC runs 8 degrees warmer at full load, the crystal
# follows it half an hour behind (tests/sim/thermal.py): its frequency steps by about 2.5 ppm,
# smoothly.  sntpd without a sensor against chronyd's defaults by RMS and maximum offset, RMS
# frequency error and requests (thermal.sh: the variants with a sensor, temp_load_sensor and
# temp_load_tempcomp).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/thermal.sh"
THERMAL=load
sim_length 40000
thermal_scenario "the CPU's load stepping 0/1 (exponential, mean 1.5 h) at 22 degrees; the crystal 30 min behind" "$@"
