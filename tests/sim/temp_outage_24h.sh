#!/usr/bin/env bash
# temp_outage_1h with the server lost for 24 hours, from 180 000 s to 266 400 s.
OUTAGE_S=86400
source "$(dirname "$0")/temp_outage_1h.sh"
