#!/usr/bin/env bash
# --http-fallback-interface (issue 29, part 5): phones on the home network's
# wlan0 (one end of a veth pair this test's namespace creates, 10.77.0.1/24)
# set the Pi automatically while no phone of the access point's network (lo
# here, --http-set-interface) holds it, and only by the button while one does.
# With curl as the phones (tests/support/phone_set.py), an sntpd 5 s behind:
# the wlan0 phone's automatic set steps it and holds it (GET /time: may_set
# auto, held_by.fallback true); the access point's phone verifies and takes
# the hold from it; then the wlan0 phone's GET /time says button, its
# automatic set is refused 403 manual_only (naming the holder) with the clock
# untouched, and its button set is taken.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

ip link add wlan0 type veth peer name wlan0p && ip addr add 10.77.0.1/24 dev wlan0 &&
  ip link set wlan0p up && ip link set wlan0 up ||
  { echo "SKIP: cannot create a veth pair in this namespace"; exit $SKIP; }

expect_exit 2 "--http-fallback-interface without --http" "$BIN/sntpd" --user root --control "$WORK/err.sock" \
  --listen 127.0.0.1:0 --http-fallback-interface wlan0
check "...and it says so" grep -q "need --http" "$WORK/last.err"

start_sntpd pi --listen 127.0.0.1:11129 --clock simulated --simulated-offset -5 --http 0.0.0.0:8129 \
  --http-set-interface lo --http-fallback-interface wlan0 --state "$WORK/pi-state.json" \
  --activity-log "$WORK/pi-activity.log"
wait_for_log pi "http: serving on 0.0.0.0:8129"
status_json() { "$BIN/sntpd" status --json --control "$WORK/pi.sock"; }
offset() { jq .clock.simulated_offset_s <<<"$(status_json)"; }
time_wlan0() { curl -s http://10.77.0.1:8129/time; }

# --- No phone holds the Pi: the home network's phone sets it by itself.
check "GET /time from wlan0, no phone holding: may_set auto" [ "$(time_wlan0 | jq -r .may_set)" = auto ]
curl_set 10.77.0.1:8129 '"trigger":"auto"'
check "wlan0's automatic set steps the Pi ($set_code $(json result "$set") $(json offset_s "$set") s)" set_within 5
held=$(time_wlan0 | jq -c .held_by)
check "...and it holds the Pi, as a fallback network's phone ($held)" \
  jq_true '.client == "10.77.0.1" and .fallback == true' <<<"$held"

# --- The access point's phone comes: it verifies and takes the hold.
curl_set 127.0.0.1:8129 '"trigger":"auto"'
check "the access point's phone (lo) verifies ($set_code $(json result "$set"))" \
  [ "$set_code $(json result "$set")" = "200 verified" ]
held=$(time_wlan0 | jq -c .held_by)
check "...and takes the hold from the wlan0 phone ($held)" \
  jq_true '.client == "127.0.0.1" and .fallback == false' <<<"$held"
check "...logged" grep -q "phone 127.0.0.1 took the clock's hold from phone 10.77.0.1 (the access point's network outranks a fallback one)" "$WORK/pi.log"

# --- While it holds, wlan0 is the button only.
time_manual=$(time_wlan0)
check "GET /time from wlan0 now: may_set button, manual_interface wlan0" \
  [ "$(jq -r '"\(.may_set) \(.manual_interface)"' <<<"$time_manual")" = "button wlan0" ]
check "GET /time from lo: may_set auto" [ "$(curl -s http://127.0.0.1:8129/time | jq -r .may_set)" = auto ]
before=$(offset)
curl_set 10.77.0.1:8129 '"trigger":"auto"'
check "wlan0's automatic set: 403 manual_only ($set_code $(json message "$set"))" \
  eval '[ "$set_code $(json reason "$set")" = "403 manual_only" ] && [[ "$(json message "$set")" == *127.0.0.1* ]]'
check "...the clock untouched ($(offset) s, was $before s)" [ "$(offset)" = "$before" ]
check "...in the activity log" \
  [ "$(jq -r 'select(.client == "10.77.0.1") | .result + "/" + .reason' "$WORK/pi-activity.log" | paste -sd ' ')" = "set/none refused/manual_only" ]
curl_set 10.77.0.1:8129 '"trigger":"button"'
check "wlan0's button: taken ($set_code $(json result "$set"))" [ "$set_code $(json result "$set")" = "200 verified" ]
check "...and a person's button takes the hold ($(time_wlan0 | jq -c .held_by))" \
  [ "$(time_wlan0 | jq -r .held_by.client)" = 10.77.0.1 ]
finish
