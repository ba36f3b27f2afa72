#!/usr/bin/env bash
# lansync-board in its own access point (issue 17, part 3), emulated: no known
# network, so the board starts its AP at once and serves SNTP and HTTP on the
# AP's address (here 127.0.0.1, ports 123 and 80, as on a softAP) with a new
# DS3231 (OSF set).  ntpprobe first gets LI=3; a phone (curl) joins, measures
# an exchange (GET /exchange) and sets the board with the token (same-origin
# JSON PUT /time); ntpprobe then gets a synchronized reply, and the RTC state
# file holds the time, its OSF cleared.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

RTC=$WORK/rtc.state
AP=127.0.0.1
start board "$BIN/lansync-board" --access-point $AP --rtc "$RTC" --json
wait_for_log board "access point started"
wait_for_ntp $AP:123

# 1. Before the phone: a new chip, no time: LI=3.
run_capture out "$BIN/ntpprobe" -o json $AP
check "before the phone: ntpprobe refuses it as unsynchronized (exit $RC)" [ "$RC" -eq 3 ]
check "before the phone: leap 3, stratum 0" [ "$(json leap "$out") $(json stratum "$out")" = "3 0" ]
run_capture out curl -s -o /dev/null -w '%{http_code}' http://$AP/time
check "before the phone: GET /time is 503" [ "$out" = 503 ]
run_capture out curl -s http://$AP/
check "the AP serves the phone's page on port 80" grep -q "Set the clock from this phone" <<<"$out"

# 2. The phone: an exchange, then the set with its token, from the board's own origin.
board_set "http://$AP"
check "GET /exchange gave a token ($token)" [ ${#token} -eq 24 ]
check "PUT /time with the token sets the board ($(jq -r .message <<<"$out"))" [ "$(jq -r .set <<<"$out")" = true ]

# 3. After: synchronized, and the RTC holds the time.
run_capture out "$BIN/ntpprobe" -o json $AP
check "after the phone: ntpprobe accepts (exit $RC)" [ "$RC" -eq 0 ]
check "after the phone: leap 0, stratum 10" [ "$(json leap "$out") $(json stratum "$out")" = "0 10" ]
# Within the error the board states for the phone's time, and 1 ms for the test's millisecond stamps.
check_offset "after the phone: offset within the board's stated error" "$out" 0 0.001
wait_for_log board "RTC set to"
kill "$LAST_PID"
wait "$LAST_PID" 2>/dev/null || true
status=$(awk '$1 == "status" { print $2 }' "$RTC")
check "the RTC file: OSF cleared (status $status)" [ "${status:-255}" -lt 128 ]
diff_s=$(awk '$1 == "chip_ns" { c = $2 } $1 == "saved_realtime_ns" { s = $2 } END { printf "%.6f", (c - s) / 1e9 }' "$RTC")
# Within the error the board recorded for the RTC's set (its own, and the chip's
# whole-second registers), and 1 ms for the test's millisecond stamps.
rtc_err=$(awk '$1 == "set_error_ns" { e = $2 } END { printf "%.9f", e == "" ? -1 : e / 1e9 + 0.001 }' "$RTC")
check "the RTC file holds the time: chip minus this machine's clock $diff_s s (+- $rtc_err s)" near "$diff_s" 0 "$rtc_err"
check "the RTC file remembers the set" grep -q '^set_unix_s [1-9]' "$RTC"

finish
