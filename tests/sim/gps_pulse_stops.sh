#!/usr/bin/env bash
# The pulse stops (its wire came loose, the receiver lost its fix and gpsd its PPS) halfway
# through; the receiver's own time, 300 ms late with 50 ms of jitter, goes on.  sntpd --gps
# shm:0 error 0.2 pps:/dev/pps0 (the README's line) says so once and follows the receiver's
# time, as late as it learned it to be against the pulse; chronyd is given the lateness by hand
# and its receiver made selectable so that it falls back too (`refclock SHM 0 offset 0.3 delay
# 0.2`, `refclock PPS /dev/pps0 lock NMEA`).  The figures are those of the fallback (after the
# pulse stopped); the honesty check takes every reply, before and after.
source "$(dirname "$0")/lib.sh"
SIM_LENGTH_S=${LANSYNC_SIM_LENGTH_S:-6000}
PULSE_STOP_S=$((SIM_LENGTH_S / 2))
export CLKNETSIM_PPS_STOP=$PULSE_STOP_S
WARMUP_S=$PULSE_STOP_S
HONESTY_UNTIL_S=$SIM_LENGTH_S
FOLLOW_SERVERS=0
SNTPD_OPTIONS=(--gps shm:0 error 0.2 pps:/dev/pps0 ${GPS_DEBUG:+-v})
CHRONY_OPTIONS=("refclock SHM 0 refid NMEA offset 0.3 delay 0.2" "refclock PPS /dev/pps0 lock NMEA")
JUDGED="rms_offset max_offset rms_freq"
# clknetsim's refclock reads true time minus this: +0.3 is a receiver 300 ms late.
scenario_conf() { echo "node${D}_refclock = (+ 0.3 (* 0.05 (normal)))"; }
# sntpd says once that the pulse stopped, and its reference is then the receiver's time.
scenario_check() {
  [ "$2" = sntpd ] || return 0
  local n
  n=$(grep -c 'gps pps:/dev/pps0: no reading in its last 8 polls' "$1/daemon.log" || true)
  [ "$n" = 1 ] || sim_failed "seed $3: the pulse's stop logged $n times, not once ($1/daemon.log)"
  grep -q 'following upstream gps shm:0 instead of gps pps:/dev/pps0' "$1/daemon.log" ||
    sim_failed "seed $3: no 'following upstream gps shm:0 instead of gps pps:/dev/pps0' ($1/daemon.log)"
}
sim_setup "$@"
sim_scenario "the pulse stops at $PULSE_STOP_S s; the receiver's time, 300 ms late (50 ms of jitter), goes on"
