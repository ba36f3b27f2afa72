#!/usr/bin/env bash
# temp_daily with a steady oscillator's pulse: sntpd --gps pps:/dev/pps0 local against chronyd's
# `refclock PPS /dev/pps0 local` (thermal.sh), both beside the server.  For the bench.
THERMAL_VARIANT=pps
source "$(dirname "$0")/temp_daily.sh"
