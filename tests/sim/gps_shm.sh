#!/usr/bin/env bash
# A GPS receiver through gpsd's shared memory, no server: sntpd --gps shm:0 against chronyd's
# `refclock SHM 0`, as chrony's own simulation test of reference clocks sets it up (the
# receiver's time off by a normal of 100 us each second, the daemon's clock wandering as in
# chrony's example).  Judged by RMS and maximum offset and RMS frequency error; nothing is
# sent to a server, so requests are not judged.
source "$(dirname "$0")/lib.sh"
# 20 000 simulated s, not 40 000: a reading every second makes both daemons wake 40 times as
# often as with a server, and this tier runs in CI.
SIM_LENGTH_S=${LANSYNC_SIM_LENGTH_S:-20000}
HONESTY_UNTIL_S=$SIM_LENGTH_S
FOLLOW_SERVERS=0
SNTPD_OPTIONS=(--gps shm:0 ${GPS_DEBUG:+-v})
CHRONY_OPTIONS=("refclock SHM 0")
JUDGED="rms_offset max_offset rms_freq"
scenario_conf() { echo "node${D}_refclock = (* 1e-4 (normal))"; }
sim_setup "$@"
sim_scenario "a GPS receiver through gpsd's SHM segment 0, 100 us of jitter"
