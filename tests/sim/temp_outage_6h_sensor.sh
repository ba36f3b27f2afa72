#!/usr/bin/env bash
# temp_outage_6h with the sensor: sntpd --temperature RUN/sensor, reading the SoC's sensor
# (thermal.sh), against chronyd's defaults.  In the tests unless the scenario is for the bench.
THERMAL_VARIANT=sensor
source "$(dirname "$0")/temp_outage_6h.sh"
