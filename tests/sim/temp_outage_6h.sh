#!/usr/bin/env bash
# temp_outage_1h with the server lost for 6 hours, from 180 000 s to 201 600 s.
OUTAGE_S=21600
source "$(dirname "$0")/temp_outage_1h.sh"
