#!/usr/bin/env bash
# lansync-board in server mode with the emulated DS3231, through the users'
# boot flow: a new chip (OSF set) gives no time, so the board answers LI=3
# and chronyd -Q and ntpprobe refuse it; a phone sets it over HTTP (PUT
# /time), the clock sets the RTC, and both clients accept it; after a power
# cycle the RTC alone sets the clock at boot; with OSF set on that chip the
# board is refused again.  The HTTP endpoint refuses malformed requests.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

RTC=$WORK/rtc.state
CHRONY_Q=(chronyd -Q -u root -t 4 -f /dev/null "server 127.0.0.1 port 11124 iburst maxsamples 1")

# accepted DESCRIPTION: both clients take the board's time, near this machine's:
# within the error the board states, the client's own uncertainty (half the
# round trip; for chronyd -Q, which prints none, half its whole run), and how
# late the phone's time reached the board (SET_LATENCY_S, measured at the set).
accepted() {
  run_capture out "$BIN/ntpprobe" -o json 127.0.0.1:11124
  check "$1: ntpprobe accepts (exit $RC)" [ "$RC" -eq 0 ]
  local err q t0 t1
  err=$(sum "$(probe_error_s "$out")" "$SET_LATENCY_S")
  check "$1: ntpprobe offset within the board's stated error ($(json offset_s "$out") s, +- $err s)" \
    near "$(json offset_s "$out")" 0 "$err"
  check "$1: stratum 10, refid 127.127.1.1" [ "$(json stratum "$out") $(json refid "$out")" = "10 127.127.1.1" ]
  t0=$(date +%s.%N)
  q=$("${CHRONY_Q[@]}" 2>&1 | sed -n 's/.*System clock wrong by \([-0-9.]*\) seconds.*/\1/p')
  t1=$(date +%s.%N)
  err=$(sum "$(served_error_s "$out")" "$SET_LATENCY_S" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 2 }')")
  check "$1: chronyd -Q accepts ($q s, +- $err s)" near "$q" 0 "$err"
}

# refused DESCRIPTION: LI=3, and neither client takes it.
refused() {
  run_capture out "$BIN/ntpprobe" -o json 127.0.0.1:11124
  check "$1: ntpprobe refuses it as unsynchronized (exit $RC)" [ "$RC" -eq 3 ]
  check "$1: leap 3, stratum 0" [ "$(json leap "$out") $(json stratum "$out")" = "3 0" ]
  check "$1: chronyd -Q finds no usable time" bash -c "! ${CHRONY_Q[*]@Q} 2>&1 | grep -q 'System clock wrong by'"
}

start_board() {
  start "$1" "$BIN/lansync-board" --rtc "$RTC" --serve 127.0.0.1:11124 --http 127.0.0.1:18080 --json
  wait_for_ntp 127.0.0.1:11124
}

stop_board() {
  kill "$LAST_PID"
  wait "$LAST_PID" 2>/dev/null || true
}

# 1. A new chip: OSF is set.
start_board new
wait_for_log new "oscillator-stop flag"
refused "new RTC (OSF set)"
run_capture out curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:18080/time
check "new RTC: GET /time is 503" [ "$out" = 503 ]

# The endpoint refuses what is not a request, and wrong methods and paths.
check "HTTP: a bad request line is 400" \
  [ "$(printf 'GARBAGE\r\n\r\n' | timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/18080; cat >&3; head -c 12 <&3')" = "HTTP/1.0 400" ]
run_capture out curl -s -o /dev/null -w '%{http_code}' -X DELETE http://127.0.0.1:18080/time
check "HTTP: DELETE /time is 405" [ "$out" = 405 ]
run_capture out curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:18080/nothing
check "HTTP: an unknown path is 404" [ "$out" = 404 ]
run_capture out curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
  --data '{"unix_ms":12}' http://127.0.0.1:18080/time
check "HTTP: a time before 2026 is 400" [ "$out" = 400 ]
run_capture out curl -s http://127.0.0.1:18080/
check "HTTP: GET / is the phone's page" grep -q "Set the clock from this phone" <<<"$out"

# 2. The phone sets the clock; the clock sets the RTC.  The time sent is read
# before curl starts: the board may get it up to the whole request's time late.
sent_ms=$(date +%s%3N)
run_capture out curl -s -X PUT -H 'Content-Type: application/json' --data "{\"unix_ms\":$sent_ms}" \
  http://127.0.0.1:18080/time
SET_LATENCY_S=$(awk -v a="$sent_ms" -v b="$(date +%s%3N)" 'BEGIN { printf "%.3f", (b - a) / 1000 }')
check "phone: PUT /time sets the clock" [ "$(jq -r .set <<<"$out")" = true ]
wait_for_log new "RTC set to"
accepted "set by a phone"
run_capture out curl -s http://127.0.0.1:18080/time
check "phone: GET /time says synchronized, source phone" \
  [ "$(jq -r '"\(.synchronized) \(.source)"' <<<"$out")" = "true phone" ]
run_capture out curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
  --data "{\"unix_ms\":$(date +%s%3N)}" http://127.0.0.1:18080/time
check "phone: a second phone, no better, is refused (409)" [ "$out" = 409 ]
stop_board
check "the RTC state was saved" grep -q '^set_unix_s [1-9]' "$RTC"

# 3. Power cycle: the RTC sets the clock at boot, read at its tick.
start_board boot
wait_for_log boot "clock set from rtc"
accepted "booted from the RTC"
stop_board

# 4. The same chip with OSF set (its oscillator stopped while off): refused.
awk '$1 == "status" && $2 < 128 { $2 += 128 } { print }' "$RTC" >"$RTC.new" && mv "$RTC.new" "$RTC"
start_board stopped
wait_for_log stopped "oscillator-stop flag"
refused "RTC with OSF set"
stop_board

finish
