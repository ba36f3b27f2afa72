#!/usr/bin/env bash
# A Pi in a room whose heating cycles hourly: ambient 20 +- 4 degrees (a sine of an hour), the
# SoC 15 degrees above it, the crystal following the SoC 10 minutes behind (tests/sim/thermal.py):
# its frequency swings by about 2 ppm every hour.  sntpd without a sensor against chronyd's
# defaults by RMS and maximum offset, RMS frequency error and requests (thermal.sh: the
# variants with a sensor, temp_hourly_sensor and temp_hourly_tempcomp).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/thermal.sh"
THERMAL=hourly
sim_length 40000
thermal_scenario "a room's heating cycling hourly (ambient 20 +- 4 degrees; the crystal 10 min behind)" "$@"
