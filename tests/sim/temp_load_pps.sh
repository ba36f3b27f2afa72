#!/usr/bin/env bash
# temp_load with a steady oscillator's pulse: sntpd --gps pps:/dev/pps0 local against chronyd's
# `refclock PPS /dev/pps0 local` (thermal.sh), both beside the server.  In the tests
# (THERMAL_TESTED): the pulse followed end to end.
THERMAL_VARIANT=pps
THERMAL_TESTED=1
source "$(dirname "$0")/temp_load.sh"
