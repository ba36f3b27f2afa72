#!/usr/bin/env bash
# The camera as the last-resort reference (issue 29, part 3), after a field
# reboot with no phone, no RTC and no NTP server: sntpd's clock (simulated, so
# this machine's clock is never changed) came up 7 s behind this machine's,
# the camera's (the emulator) is right, and camsync last found it right an hour
# ago (the camera-state file's good_unix).  camsync --camera-reference,
# this clock untrusted (no sync-state record), does not set the camera but
# reads it and records the reading with its bound (the reading's uncertainty +
# 50 ppm of the hour); sntpd --camera-reference steps by +7 s to it, records source camera and
# serves it as refid CAM with that bound as root dispersion, which ntpprobe and
# a chronyd client see.  camsync then still refuses to set the camera from a
# clock the camera set; a phone replaces the camera at once, and camsync then
# checks the camera against the phone's clock.  Without a known good time,
# camsync offers no reading.  (camsync reads this machine's clock, which is
# where sntpd's simulated one ends up: it sees the records sntpd writes as a
# Pi would.)
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

camera_emulator cam 8080 --offset 0
hour_ago=$(($(date +%s) - 3600))
good_state() {  # the camera-state file of a run an hour ago that found the camera right
  printf '{"last_run_unix":%s,"result":"ok","offset_before_s":0.001,"offset_after_s":null,"camera":"http://127.0.0.1:8080","message":"camera right","good_unix":%s}\n' \
    "$hour_ago" "$hour_ago" >"$WORK/camera-state.json"
}
good_state
C=("$BIN/camsync" --camera http://127.0.0.1:8080 --reference state --state "$WORK/state.json"
  --camera-state "$WORK/camera-state.json" --log "$WORK/camsync.jsonl" --json)

start_sntpd pi --listen 127.0.0.1:11131 --clock simulated --simulated-offset -7 --state "$WORK/state.json" \
  --camera-state "$WORK/camera-state.json" --camera-reference --max-age 30m \
  --http 127.0.0.1:8131 --http-set-allow 127.0.0.1/32 --activity-log ""
wait_for_log pi "http: serving on 127.0.0.1:8131"
check "sntpd starts unsynchronized" grep -q "no reference; answering unsynchronized" "$WORK/pi.log"

# --- camsync reads the camera instead of setting it.
run_capture out "${C[@]}" --camera-reference
check "camsync --camera-reference, this clock untrusted: exit 3 ($(json message "$out"))" \
  eval '[ "$RC" -eq 3 ] && [[ "$(json message "$out")" == *"offered as the reference"* ]]'
check "...the camera untouched (no PUT)" [ "$(json puts "$(emulator_status 8080)")" = 0 ]
reading=$(jq -c .reading "$WORK/camera-state.json")
check "...the reading: the camera on this machine's clock within its measurement ($reading)" \
  jq_true --argjson u "$(json uncertainty_s "$out")" '(.offset_s | fabs) <= $u + 0.001' <<<"$reading"
# The bound: the reading's uncertainty plus 50 ppm of the hour since the camera was last known right.
check "...its bound: 50 ppm of the hour (0.18 s) and the reading's uncertainty ($(json bound_s "$reading") s)" \
  jq_true --argjson u "$(json uncertainty_s "$out")" '.bound_s >= 0.18 and .bound_s <= 0.18 + $u + 0.01' <<<"$reading"
check "...good_unix carried over" jq_true ".good_unix == $hour_ago" "$WORK/camera-state.json"

# --- sntpd takes it.
check "sntpd steps to the camera" wait_until "$DEADLINE_S" grep -q "the camera's clock (http://127.0.0.1:8080), a last resort: stepped by +[67]\." "$WORK/pi.log"
check "...the sync-state file: source camera, its bound as the uncertainty" \
  jq_true --argjson b "$(json bound_s "$reading")" '.source == "camera" and .action == "step" and (.uncertainty_s - $b | fabs) < 1e-6' "$WORK/state.json"
sed -n 's/^/      log: /; /reference:/p' "$WORK/pi.log"
wait_for_ntp 127.0.0.1:11131 synchronized
run_capture probe "$BIN/ntpprobe" -o json 127.0.0.1:11131
check "ntpprobe: stratum 3, refid CAM ($(json stratum "$probe") $(json refid "$probe"))" \
  [ "$(json stratum "$probe") $(json refid "$probe")" = "3 67.65.77.0" ]
check "...the root dispersion is the camera's bound, wide ($(json root_dispersion_s "$probe") s)" \
  jq_true --argjson b "$(json bound_s "$reading")" '.root_dispersion_s >= $b and .root_dispersion_s <= $b + 0.01' <<<"$probe"
check_offset "...and it serves the camera's time" "$probe" 0 "$(json bound_s "$reading")"
chrony_client chrony 127.0.0.2 11131
got_reply() { [ "$(ntpdata chrony 'Total valid RX')" -ge 1 ] 2>/dev/null; }
check "chronyd gets replies" wait_until "$DEADLINE_S" got_reply
disp=$(ntpdata chrony 'Root dispersion' | awk '{ print $1 }')
check "chronyd sees the wide root dispersion ($disp s)" near "$disp" "$(json bound_s "$reading")" 0.01
check "sntpd status: the camera's record" grep -q "sync-state file (source camera" <("$BIN/sntpd" status --control "$WORK/pi.sock")

# --- Never passed back to the camera.
run_capture out "${C[@]}" --camera-reference
check "camsync again: refuses to set the camera from a clock the camera set ($(json trust "$out"))" \
  eval '[ "$RC" -eq 3 ] && [[ "$(json trust "$out")" == *"from the camera"* ]]'
check "...the camera still untouched" [ "$(json puts "$(emulator_status 8080)")" = 0 ]

# --- A phone replaces it at once; then the camera is checked against the phone's clock.
curl_set 127.0.0.1:8131
check "a phone replaces the camera at once: its verification taken ($set_code $(json result "$set"))" \
  [ "$set_code $(json result "$set")" = "200 verified" ]
check "...the sync-state file names the phone" jq_true '.source == "phone"' "$WORK/state.json"
check "...and so does what sntpd serves" wait_until "$DEADLINE_S" grep -q "sync-state file (source phone" <("$BIN/sntpd" status --control "$WORK/pi.sock")
run_capture out "${C[@]}" --camera-reference
check "camsync from the phone's clock: the camera checked, right (exit $RC, action $(json action "$out"))" \
  eval '[ "$RC" -eq 0 ] && [ "$(json action "$out")" = none ]'
check "...good_unix is this run's, no reading" jq_true '.good_unix > '"$hour_ago"' and .reading == null' "$WORK/camera-state.json"

# --- No known good time: no bound, no reading.
rm -f "$WORK/state.json"
printf '{"last_run_unix":%s,"result":"failed","offset_before_s":null,"offset_after_s":null,"camera":null,"message":"camera unreachable"}\n' \
  "$hour_ago" >"$WORK/camera-state.json"
run_capture out "${C[@]}" --camera-reference
check "never known right: no reading offered ($(json message "$out"))" \
  eval '[ "$RC" -eq 3 ] && [[ "$(json message "$out")" == *"nothing bounds its error"* ]] && jq_true ".reading == null" "$WORK/camera-state.json"'

expect_exit 2 "sntpd --camera-reference without a camera-state file" "$BIN/sntpd" --user root --control "$WORK/err.sock" \
  --listen 127.0.0.1:0 --camera-reference --camera-state ""
finish
