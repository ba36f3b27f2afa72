#!/usr/bin/env bash
# gps_second_off beside an NTP server (a Pi that also sees one): for its first 600 s the receiver's
# time names the second before the right one, its pulse takes that second, and the server says
# the right one.  The receiver's time does not vote beside its pulse (chronyd's `noselect` on it),
# so the pulse and the server disagree and neither daemon serves either time as synchronized
# until the receiver comes right; then both follow the pulse (which is not combined with the
# server's milliseconds).  Honesty is checked on every reply, from the start.
WITH_SERVER=1
source "$(dirname "$0")/gps_second_off.sh"
