#!/usr/bin/env bash
# A GPS receiver's pulse per second on a kernel PPS device, its second from the receiver's own
# time through gpsd's shared memory, no server: sntpd --gps shm:0 --gps pps:/dev/pps0 against
# chronyd's `refclock SHM 0 noselect` and `refclock PPS /dev/pps0 lock NMEA`, as chrony's own
# simulation test of reference clocks sets it up.  The receiver's time is off by a normal of
# 50 ms each second (NMEA sentences arriving late and unevenly); the pulse's edge is timed
# exactly by clknetsim.  Judged by RMS and maximum offset and RMS frequency error.
source "$(dirname "$0")/lib.sh"
# 10 000 simulated s, not 40 000: a reading every second makes both daemons wake 40 times as
# often as with a server, and this tier runs in CI (the same ratios as over 20 000 s).
SIM_LENGTH_S=${LANSYNC_SIM_LENGTH_S:-10000}
HONESTY_UNTIL_S=$SIM_LENGTH_S
FOLLOW_SERVERS=0
SNTPD_OPTIONS=(--gps shm:0 error 0.2 pps:/dev/pps0 ${GPS_DEBUG:+-v})
CHRONY_OPTIONS=("refclock SHM 0 refid NMEA noselect" "refclock PPS /dev/pps0 lock NMEA")
JUDGED="rms_offset max_offset rms_freq"
scenario_conf() { echo "node${D}_refclock = (* 0.05 (normal))"; }
sim_setup "$@"
sim_scenario "a GPS receiver's PPS, its second from its time through gpsd's SHM segment 0 (50 ms of jitter)"
