#!/usr/bin/env bash
# temp_outage_24h with the sensor: sntpd --temperature RUN/sensor against chronyd with `tempcomp
# RUN/sensor 16 T0 K0 K1 K2`, the coefficients true at steady state (thermal.sh; the run's
# thermal/summary has them).  For the bench (LANSYNC_SIM_BENCH=1).
THERMAL_VARIANT=tempcomp
source "$(dirname "$0")/temp_outage_24h.sh"
