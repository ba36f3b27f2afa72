#!/usr/bin/env bash
# A GPS receiver through gpsd (issue 45): Debian's gpsd, fed by gpsfake
# (gpsd-clients) replaying an NMEA log, writes its shared-memory segment 0 as
# it does on a Pi; sntpd --gps shm:0 reads it, follows it and serves stratum 1,
# refid GPS, to ntpprobe and chronyd -Q.  Then gpsd stops: sntpd says so once,
# holds over with a bound that grows, and takes the server that answers next.
#
# The receiver's time is not the machine's: the log starts a couple of
# seconds ahead, and gpsfake's pacing moves it a little every second.  The
# truth is gpsd's own record of what it wrote (its log, -D 4: "ntpshm_put
# ... REAL @ CLOCK"), and the test's own uncertainty about it is the spread of
# the last offsets it wrote.  gpsfake feeds gpsd over UDP: gpsd writes no
# segment for a pty, which it takes for its own test harness.  Everything runs
# in the test's namespaces (IPC included, lib.sh); sntpd on a simulated clock.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

GPSD_DIR=$PEERS/gpsd/usr/sbin
GPSFAKE=$PEERS/gpsd-clients/usr/bin/gpsfake
[ -x "$GPSD_DIR/gpsd" ] && [ -f "$GPSFAKE" ] || {
  echo "SKIP: no gpsd and gpsfake in $PEERS (scripts/install-deps.sh --test unpacks them)"
  exit $SKIP
}
# gpsfake finds gpsd through GPSD_HOME, its module, libgpsdpacket and libgps in the unpacked
# packages.
export GPSD_HOME=$GPSD_DIR PYTHONPATH=$PEERS/python3-gps/usr/lib/python3/dist-packages
LD_LIBRARY_PATH=$(printf '%s:' "$PEERS"/libgps28/usr/lib/*/ "$PEERS"/python3-gps/usr/lib/*/)
export LD_LIBRARY_PATH

PI=127.0.0.1:12401    # sntpd, on a simulated clock 20 s behind
SERVER=12402          # a server that answers only once gpsd has stopped

python3 "$REPO/tests/support/nmea_log.py" $(($(date +%s) + 2)) 900 >"$WORK/gps.nmea"
# -1: the log once; -u: over UDP; -n: gpsd reads without waiting for a client; -c 0: no pause
# of its own between sentences (the log's header paces the reports a second apart).
start gps /usr/bin/python3 "$GPSFAKE" -1 -u -n -c 0 -D 4 -P 2947 "$WORK/gps.nmea"
wait_for_log gps "ntpshm_put(udp://"
# gps_offsets: the offsets (REAL - CLOCK, s) of gpsd's segment writes, oldest first.
gps_offsets() { awk '/ntpshm_put\(udp:/ { printf "%.9f\n", $(NF - 2) - $NF }' "$WORK/gps.log"; }
# gps_offset: the last one; gps_spread: the range of the last 10, the test's uncertainty.
gps_offset() { gps_offsets | tail -n 1; }
gps_spread() { gps_offsets | tail -n 10 | awk 'NR == 1 || $1 < lo { lo = $1 } NR == 1 || $1 > hi { hi = $1 }
  END { printf "%.9f\n", hi - lo }'; }

start_sntpd pi --listen "$PI" --clock simulated --simulated-offset -20 --max-poll 0 --drift-file "" \
  --state "$WORK/pi-state.json" --gps shm:0 --upstream "127.0.0.1:$SERVER"
status() { "$BIN/sntpd" status --json --control "$WORK/pi.sock" 2>/dev/null; }
gps_field() { status | jq -r '.upstreams[] | select(.server == "gps shm:0") | .'"$1"; }

# --- gpsd writes: sntpd follows the receiver and serves stratum 1, refid GPS.
check "stratum 1, refid GPS, from gpsd's segment 0" \
  [ "$(wait_for_state "$PI" "1 GPS" "$DEADLINE_S")" = "1 GPS" ]
check "...logged as followed" grep -q "following upstream gps shm:0" "$WORK/pi.log"
run_capture probe "$BIN/ntpprobe" -o json "$PI"
check_offset "...ntpprobe: the receiver's time, not the machine's" "$probe" "$(gps_offset)" "$(gps_spread)"
check "...status: the receiver reachable, the system peer, its time with a fix" \
  eval '[ "$(gps_field reachable)" = true ] && [ "$(gps_field state)" = sys_peer ] &&
        [ "$(gps_field receiver.kind) $(gps_field receiver.reading)" = "time true" ]'
check "...sync state: source gps:shm0" [ "$(jq -r .source "$WORK/pi-state.json")" = gps:shm0 ]
said=$(chrony_q 10 "server 127.0.0.1 port ${PI#*:} iburst maxsamples 1")
check "...chronyd -Q measures the receiver's time too ($(clock_wrong_by "$said") s, $(gps_offset) s)" \
  near "$(clock_wrong_by "$said")" "$(gps_offset)" "$(sum "$(chrony_q_error)" "$(gps_spread)" 0.000001)"
truth=$(gps_offset)

# --- gpsd stops: logged once, holdover with a growing bound, then the server that answers.
pkill -x gpsd
check_log() { if wait_for_log "$2" "$3"; then pass "$1"; fi; }
check_log "gpsd stopped: sntpd says so" pi "gps shm:0: no reading in its last"
check "...once" [ "$(grep -c "gps shm:0: no reading" "$WORK/pi.log")" = 1 ]
run_capture held "$BIN/ntpprobe" -o json "$PI"
# In holdover nothing new comes: the bound served grows with the age of the last sample (15 ppm
# and the frequency's error), so a later reply states more than this one.  (Compared with a reply
# before gpsd stopped it need not be: each sample brought its own line error and spread.)
grown() {
  later=$("$BIN/ntpprobe" -o json -n 1 "$PI") &&
    awk -v a="$(json root_dispersion_s "$later")" -v b="$(json root_dispersion_s "$held")" 'BEGIN { exit !(a > b) }'
}
later=""
check "...holdover: still stratum 1 GPS, its bound growing ($(json root_dispersion_s "$held") s, then larger)" \
  eval 'wait_until "$DEADLINE_S" grown && [ "$(json stratum "$later") $(json refid "$later")" = "1 GPS" ]'
check_offset "...and the receiver's last time" "$held" "$truth" "$(gps_spread)"
# The server: a chronyd on the machine's clock (the hub's internet, back), which the receiver's
# time is within a second of.  (Under libfaketime chronyd would serve a time of its own, but it
# stamps its receive times on the real clock, its transmit times on the fake one.)
chronyd_server server "$SERVER" -- "${CHRONY_SERVES[@]}"
check_log "a server answers: sntpd follows it, and says so" pi \
  "following upstream 127.0.0.1:$SERVER instead of gps shm:0"
check "...serving stratum 11 from it" [ "$(wait_for_state "$PI" "11 127.0.0.1" "$DEADLINE_S")" = "11 127.0.0.1" ]
# Its clock slews from the receiver's time to the server's: the error served covers the way left.
run_capture probe "$BIN/ntpprobe" -o json "$PI"
check_offset "...within its stated error of the server's time" "$probe" 0
check "...status: the receiver unreachable, no fix" \
  eval '[ "$(gps_field reachable) $(gps_field receiver.reading)" = "false false" ]'
run_capture text "$BIN/sntpd" status --control "$WORK/pi.sock"
check "...status text: 'receiver : time, no fix'" grep -q "^  receiver       : time, no fix" <<<"$text"

# --- Bad lines: one message naming the option, exit 2.
expect_message 2 "--gps shm:x" "--gps" "$BIN/sntpd" --gps shm:x --listen 127.0.0.1:12409
expect_message 2 "--gps shm:0 error 2" "--gps" "$BIN/sntpd" --gps "shm:0 error 2" --listen 127.0.0.1:12409
# A steady pulse with nothing to give the time, or with no clock control: nothing to steady.
expect_message 2 "--gps pps:/dev/pps0 local alone" "--gps pps:PATH local" "$BIN/sntpd" \
  --gps pps:/dev/pps0 local --listen 127.0.0.1:12409
expect_message 2 "--gps pps:/dev/pps0 local --no-clock-control" "--gps pps:PATH local" "$BIN/sntpd" \
  --gps shm:0 --gps pps:/dev/pps0 local --no-clock-control --listen 127.0.0.1:12409
expect_message 2 "--gps pps:/dev/pps0 local error 0.1" "a local pulse has no time" "$BIN/sntpd" \
  --gps pps:/dev/pps0 local error 0.1 --listen 127.0.0.1:12409
finish
