#!/usr/bin/env bash
# temp_daily's garage, the server lost (every packet dropped either way, as outage.sh) for an
# hour from 180 000 s, two days and two hours in (temp_outage_6h and temp_outage_24h: OUTAGE_S,
# 6 and 24 hours); the run ends an hour after the server is back.  sntpd, with --max-age 30h,
# past the outage, so that what it states through it is judged rather than dropped, against
# chronyd's defaults by the largest |offset| from the outage's start to an hour after its end
# (the holdover), RMS and maximum offset, RMS frequency error and requests; the honesty check
# takes every reply, the outage's too (thermal.sh: the variants with a sensor, NAME_sensor and
# NAME_tempcomp).  For the bench: 187 200 to 270 000 simulated s a run, it skips unless
# LANSYNC_SIM_BENCH=1.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/thermal.sh"
THERMAL=daily
THERMAL_LONG=1
OUTAGE_S=${OUTAGE_S:-3600}
thermal_outage 180000 "$OUTAGE_S"
thermal_scenario "a garage (temp_daily), the server lost for $((OUTAGE_S / 3600)) h from 180 000 s" "$@"
