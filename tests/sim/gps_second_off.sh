#!/usr/bin/env bash
# A receiver a second off after a cold start: for its first 600 s its time names the second
# before the right one (1.3 s late: 300 ms plus the wrong second, 50 ms of jitter), then the
# right one, 300 ms late.  Nothing else says which second it is, so both daemons follow the
# wrong one at first (a pulse has no second of its own); what is judged is that the pulse then
# takes the right second from the receiver and the clock goes back to it, as chronyd's
# `refclock PPS /dev/pps0 lock NMEA` does (chronyd given the 0.3 s lateness by hand).  The
# figures are taken from 2 000 s; the honesty check takes the replies from 600 s (before, both
# serve the wrong second as right: nothing else says which it is).
# WITH_SERVER=1 (gps_second_off_server.sh): the same beside an NTP server, honest from the start.
source "$(dirname "$0")/lib.sh"
SIM_LENGTH_S=${LANSYNC_SIM_LENGTH_S:-8000}
WRONG_UNTIL_S=600
WARMUP_S=2000
FOLLOW_SERVERS=${WITH_SERVER:-0}
HONESTY_FROM_S=$([ "$FOLLOW_SERVERS" = 1 ] && echo 0 || echo "$WRONG_UNTIL_S")
SNTPD_OPTIONS=(--gps shm:0 error 0.2 pps:/dev/pps0 ${GPS_DEBUG:+-v})
CHRONY_OPTIONS=("refclock SHM 0 refid NMEA offset 0.3 noselect" "refclock PPS /dev/pps0 lock NMEA")
JUDGED="rms_offset max_offset rms_freq"
# clknetsim's refclock reads true time minus this; (pulse N M) is 1 for N s, then -1.
scenario_conf() {
  echo "node${D}_refclock = (+ 0.3 (* 0.05 (normal)) (* 0.5 (+ 1 (pulse $WRONG_UNTIL_S 1000000000))))"
}
# sntpd says once that its pulses start another second, the one the receiver names now.
scenario_check() {
  [ "$2" = sntpd ] || return 0
  local n
  n=$(grep -c 'gps pps:/dev/pps0: its pulses now start another second, +1 s' "$1/daemon.log" || true)
  [ "$n" = 1 ] || sim_failed "seed $3: the pulse's new second logged $n times, not once ($1/daemon.log)"
}
sim_setup "$@"
sim_scenario "a receiver a second off for its first $WRONG_UNTIL_S s (a cold start), then right, 300 ms late$(
  [ "$FOLLOW_SERVERS" = 1 ] && echo ", beside a server")"
