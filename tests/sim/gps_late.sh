#!/usr/bin/env bash
# A receiver whose sentences come 300 ms after the second they name (a slow baud rate, many
# sentences), its pulse on a kernel PPS device: sntpd --gps shm:0 error 0.2 --gps pps:/dev/pps0
# (the README's line: a user who does not know the lateness) learns it against the pulse by
# itself, where chronyd's user measures it and sets it by hand (`refclock SHM 0 offset 0.3
# noselect`, `refclock PPS /dev/pps0 lock NMEA`).  The receiver's time is off by 300 ms plus a
# normal of 50 ms each second; the pulse's edge is exact.  Judged by RMS and maximum offset and
# RMS frequency error, and by the honesty of every reply from the start: the difference the
# pulse finds and the learning has not yet taken out is served as error (lib.sh's
# SIM_HONESTY_MISSES says what the stated 0.2 s costs before the pulse's first sample).
source "$(dirname "$0")/lib.sh"
# 4 000 simulated s: what is judged is that the lateness is learned and the pulse followed
# within the warm-up; gps_pps runs the long haul.
SIM_LENGTH_S=${LANSYNC_SIM_LENGTH_S:-4000}
HONESTY_UNTIL_S=$SIM_LENGTH_S
FOLLOW_SERVERS=0
SNTPD_OPTIONS=(--gps shm:0 error 0.2 pps:/dev/pps0 ${GPS_DEBUG:+-v})
CHRONY_OPTIONS=("refclock SHM 0 refid NMEA offset 0.3 noselect" "refclock PPS /dev/pps0 lock NMEA")
JUDGED="rms_offset max_offset rms_freq"
# clknetsim's refclock reads true time minus this: +0.3 is a receiver 300 ms late.
scenario_conf() { echo "node${D}_refclock = (+ 0.3 (* 0.05 (normal)))"; }
sim_setup "$@"
sim_scenario "a GPS receiver's PPS, its second from its time, which comes 300 ms late (50 ms of jitter)"
