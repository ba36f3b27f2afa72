#!/usr/bin/env bash
# A Pi in a garage for two days: ambient 15 +- 10 degrees over the day (the phase drawn per seed)
# plus a slow random walk (1 degree per sqrt(hour)), the crystal following the SoC half an hour
# behind (tests/sim/thermal.py): its frequency moves by some 10 ppm over the day.  sntpd without a
# sensor against chronyd's defaults by RMS and maximum offset, RMS frequency error and requests
# (thermal.sh: the variants with a sensor, temp_daily_sensor and temp_daily_tempcomp).
# For the bench: 172 800 simulated s a run, it skips unless LANSYNC_SIM_BENCH=1.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/thermal.sh"
THERMAL=daily
THERMAL_LONG=1
sim_length 172800 172800
thermal_scenario "a garage over two days (ambient 15 +- 10 degrees and a random walk); the crystal 30 min behind" "$@"
