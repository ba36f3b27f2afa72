#!/usr/bin/env bash
# temp_outage_1h with the server lost for 6 hours, from 180 000 s to 201 600 s.
# Without a sensor, in the tests too: sntpd follows the day before's frequency through it.
OUTAGE_S=21600
if [ "${THERMAL_VARIANT:-none}" = none ]; then THERMAL_TESTED=1; fi
source "$(dirname "$0")/temp_outage_1h.sh"
