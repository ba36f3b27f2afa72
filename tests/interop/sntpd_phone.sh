#!/usr/bin/env bash
# The phone sets the Pi's clock, in a real browser: Debian's headless Chromium,
# driven by playwright-core (tests/browser/phone.mjs), opens the page of an
# sntpd whose simulated clock starts 5 s behind.  The page must show the
# offset, set the clock by itself, and afterwards GET /time must agree with the
# browser's clock within 50 ms, sntpd status must name the phone, and NTP
# clients must get the phone's time; the button, pressed when the clocks
# agree, records a verification.  Then what must not work: the same set
# request again (replay), a set when the server already has a fresher
# reference (an NTP server's record; a phone does replace the RTC's), a set
# from an address that is not allowed, a cross-site post; each changes
# nothing; those that passed the access check (replay, fresher reference,
# bad token) leave a line in the activity log, the others are only counted
# (anyone on the LAN could send them in a loop).  The layout at the phone's
# width: nothing past the viewport's edges, the button on the first screen and
# in the screenshot (page_layout).  Screenshots stay in tests/out/sntpd_phone/
# for a person to look at.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
need_browser
OUT=${LANSYNC_TEST_OUT:-$REPO/tests/out}/sntpd_phone
mkdir -p "$OUT"

now_ms() { date +%s%3N; }
# browser NAME URL ARGS...: the page in Chromium; its report in $REPORT.
browser() {
  local name=$1 url=$2
  shift 2
  RC=0
  REPORT=$(timeout 90 node "$REPO/tests/browser/phone.mjs" "$url" "$OUT/$name.png" --profile "$WORK/chromium-$name" \
    "$@" 2>"$WORK/browser-$name.log") || RC=$?
  echo "      page: $(jq -c '{state, result, reasons, shown, time}' <<<"$REPORT" 2>/dev/null || echo "$REPORT")"
  [ "$RC" -eq 0 ] || { failed "$name: the browser run failed (exit $RC): $(tail -5 "$WORK/browser-$name.log")"; return 1; }
}
field() { jq -r "$1" <<<"$REPORT"; }
# "−5.003 s" as the page shows it -> -5.003
page_seconds() { sed -e 's/−/-/' -e 's/ s$//' <<<"$1"; }
status_json() { "$BIN/sntpd" status --json --control "$WORK/$1.sock"; }
activity() { jq -r "$2" "$WORK/$1-activity.log" | paste -sd ' '; }

# --- A phone on the access point, the Pi 5 s behind with no other reference.
start_sntpd pi --listen 127.0.0.1:11123 --clock simulated --simulated-offset -5 --http 127.0.0.1:8123 \
  --http-set-allow 127.0.0.1/32 --state "$WORK/pi-state.json" --activity-log "$WORK/pi-activity.log"
wait_for_log pi "http: serving on 127.0.0.1:8123"
served_check "before: the Pi serves a time 5 s behind" -5000 http://127.0.0.1:8123
# date_of URL: AT, the Unix second of URL's Date header (none: empty), HEADERS, and the real
# seconds around the request in BEFORE and AFTER.
date_of() {
  local date_header
  BEFORE=$(date +%s)
  HEADERS=$(curl -si "$1" | tr -d '\r')
  AFTER=$(date +%s)
  date_header=$(sed -n 's/^Date: //p' <<<"$HEADERS")
  AT=""
  if [ -n "$date_header" ]; then AT=$(date -d "$date_header" +%s 2>/dev/null || echo bad); fi
}
# Unsynchronized, sntpd-web sends no Date (RFC 9110 §6.6.1): htpdate and the boards' "HTTP time"
# clients read only that header.  On the routes sntpd answers and on those sntpd-web answers alone.
for path in / /lansync.js /nowhere /time; do
  date_of "http://127.0.0.1:8123$path"
  check "GET $path while unsynchronized: no Date header ($AT)" [ -z "$AT" ]
done
check "GET /time: Cache-Control: no-store" grep -q '^Cache-Control: no-store$' <<<"$HEADERS"
check "GET /time: the fields the boards read" \
  [ "$(curl -s http://127.0.0.1:8123/time | jq -r '[has("unix_ms","utc","synchronized","stratum","source","age_s","root_distance_ms")] | all')" = true ]

browser phone http://127.0.0.1:8123/ --replay --button
# Every figure below is within the uncertainty sntpd gave the set (its exchange's),
# and what the check's own measurement adds, plus 1 ms where the page rounds.
set_unc=$(status_json pi | jq -r '.http.last_set.uncertainty_s // -1')
# The first figure is the page's first measurement, not the set's: its own "±" bounds it (under
# load the page's first exchanges, made while it loads, can be slower than the set's).
first=$(page_seconds "$(field '.shown[0]')")
first_err=$(page_seconds "$(sed 's/^± //' <<<"$(field '.shown_errors[0]')")")
check "the page shows the Pi about 5 s behind ($(field '.shown[0]') $(field '.shown_errors[0]'))" \
  near "$first" -5 "$(sum "$first_err" 0.001)"
check "it set the clock by itself (state $(field .state), server said $(field '.reasons[0]'))" \
  [ "$(field .state)/$(field '.reasons[0]')" = set/none ]
step=$(sed -n 's/.*stepped by +\([0-9.]*\) s.*/\1/p' <<<"$(field .result)")
check "its message gives the step ($(field .result))" near "$step" 5 "$(sum "$set_unc" 0.001)"
shown_err=$(page_seconds "$(sed 's/^± //' <<<"$(field .shown_error)")")
check "afterwards it shows the clocks agree ($(field '.shown[-1]') $(field .shown_error), set +- $set_unc s)" \
  near "$(page_seconds "$(field '.shown[-1]')")" 0 "$(sum "$set_unc" "$shown_err" 0.001)"
err_ms=$(awk -v u="$set_unc" -v d="$(field .time.delay_ms)" 'BEGIN { print u * 1000 + d / 2 + 1 }')
check "GET /time agrees with the browser's clock ($(field .time.diff_ms) ms, delay $(field .time.delay_ms) ms, +- $err_ms ms)" \
  near "$(field .time.diff_ms)" 0 "$err_ms"
page_layout phone "$OUT/phone.png"
check "the page shows the reference: source phone, reliable until $(field .until)" \
  eval '[ "$(field .source)" = phone ] && [[ "$(field .until)" =~ ^[0-9][0-9]:[0-9][0-9]$ ]]' 
check "sntpd status names the phone" grep -q "sync-state file (source phone" <("$BIN/sntpd" status --control "$WORK/pi.sock")
status=$(status_json pi)
check "sntpd status --json: state_source phone, 1 set" \
  [ "$(jq -r '[.reference.state_source, .http.sets] | join(" ")' <<<"$status")" = "phone 1" ]
# The button pressed after the step found the clocks agreeing: its verification replaced the step's record.
check "the sync-state file: source phone, the button's verification (its offset within its and the set's uncertainty)" \
  jq_true --argjson u "$set_unc" '.source == "phone" and .action == "verified" and (.offset_s | fabs) <= .uncertainty_s + $u' \
  "$WORK/pi-state.json"
run_capture probe "$BIN/ntpprobe" -o json 127.0.0.1:11123
served=$(jq -r '"\(.stratum) \(.refid)"' <<<"$probe")
check "NTP clients now get the phone's time: stratum 3, refid PHON" [ "$served" = "3 80.72.79.78" ]
check_offset "...within the error sntpd states for it" "$probe" 0
for path in /time / /lansync.js; do
  date_of "http://127.0.0.1:8123$path"
  check "GET $path now synchronized: a Date header on the served clock, right now ($AT: $BEFORE <= it <= $AFTER)" \
    eval '[ -n "$AT" ] && [ "$BEFORE" -le "$AT" ] && [ "$AT" -le "$AFTER" ]'
done
check "the same set request again is refused as reused ($(field .replay.status) $(field .replay.reason))" \
  [ "$(field .replay.status) $(field .replay.reason)" = "409 reused" ]
check "the button, now that the Pi agrees: a verification ($(field .button.result))" \
  eval '[ "$(field .button.state) $(field .button.reason)" = "verified none" ] &&
    [[ "$(field .button.result)" =~ ^"Pi and phone agree (±"[0-9]+" ms); reliable until "[0-9][0-9]:[0-9][0-9]" UTC"$ ]]'
check "sntpd status --json: 1 verification, not a refusal" \
  jq_true '.http.verifications == 1 and .http.last_verification.result == "verified" and .http.refused.no_need == null' \
  <(status_json pi)
offset_after=$(jq .clock.simulated_offset_s <<<"$(status_json pi)")
run_capture cross curl -s -H 'Origin: http://evil.example' -H 'Content-Type: application/json' -d '{}' \
  http://127.0.0.1:8123/set
check "a cross-site post is refused ($(json reason "$cross"))" [ "$(json reason "$cross")" = cross_site ]
run_capture form curl -s -d 'token=x' http://127.0.0.1:8123/set
check "a form post is refused ($(json reason "$form"))" [ "$(json reason "$form")" = not_json ]
run_capture forged curl -s -H 'Content-Type: application/json' \
  -d "{\"token\":\"$(printf '0%.0s' $(seq 130))\",\"t1_ms\":$(now_ms),\"t4_ms\":$(now_ms)}" http://127.0.0.1:8123/set
check "a forged token is refused ($(json reason "$forged"))" [ "$(json reason "$forged")" = bad_token ]
check "none of them moved the clock" [ "$(jq .clock.simulated_offset_s <<<"$(status_json pi)")" = "$offset_after" ]
check "the activity log: one set, the replay refused, the verification, a bad token ($(activity pi '.result+"/"+.reason'))" \
  [ "$(activity pi '.result+"/"+.reason')" = "set/none refused/reused verified/none refused/bad_token" ]

# /metrics: the Prometheus text format, every family with HELP and TYPE before its samples.
metrics=$(curl -s -D "$WORK/metrics.h" http://127.0.0.1:8123/metrics)
check "GET /metrics: Content-Type text/plain; version=0.0.4" grep -qi '^Content-Type: text/plain; version=0.0.4' "$WORK/metrics.h"
counted=$(grep -cxF -e 'sntpd_phone_sets_total 1' -e 'sntpd_phone_set_refusals_total{reason="reused"} 1' \
  -e 'sntpd_reference_info{kind="state",source="phone"} 1' <<<"$metrics")
check "metrics: the phone set, a refusal and the reference are there" [ "$counted" -eq 3 ]
bad=$(awk '
  /^# HELP / { help[$3] = 1; next }
  /^# TYPE / { if (!help[$3] || type[$3]) { print "TYPE without HELP or twice: " $3 }; type[$3] = $4; next }
  /^#/ || /^$/ { print "stray line: " $0; next }
  { name = $1; sub(/\{.*/, "", name)
    if (!type[name]) print "sample before its TYPE: " $0
    if (type[name] == "counter" && name !~ /_total$/) print "counter not named _total: " name
    if ($NF !~ /^([-+]?[0-9.]+(e[-+]?[0-9]+)?|NaN|[-+]Inf)$/) print "bad value: " $0 }
' <<<"$metrics")
check "metrics: well-formed exposition text${bad:+: $bad}" [ -z "$bad" ]
if python3 -c 'import prometheus_client' 2>/dev/null; then
  families=$(python3 -c 'import sys; from prometheus_client.parser import text_string_to_metric_families as f
print(len(list(f(sys.stdin.read()))))' <<<"$metrics" 2>&1)
  check "metrics: Prometheus's own parser reads $families families" [ "$families" -gt 20 ]
fi

# DNS rebinding: every route refuses a Host that public DNS could point at us; local names and IPs pass.
code() { curl -s -o /dev/null -w '%{http_code}' -H "Host: $1" "http://127.0.0.1:8123$2"; }
check "GET /time with Host rebind.example.com: 403" [ "$(code rebind.example.com /time)" = 403 ]
check "GET /metrics with Host rebind.example.com:8123: 403" [ "$(code rebind.example.com:8123 /metrics)" = 403 ]
check "GET /exchange with Host rebind.example.com: 403" [ "$(code rebind.example.com /exchange)" = 403 ]
check "GET / with Host pi.local: 200" [ "$(code pi.local /)" = 200 ]
check "GET /time with Host 127.0.0.1:8123: 200" [ "$(code 127.0.0.1:8123 /time)" = 200 ]
check "status counts the 3 refused Hosts" [ "$("$BIN/sntpd" status --json --control "$WORK/pi.sock" | jq .http.host_refused)" = 3 ]

# --- An agreeing phone in Sydney: the Pi (no reference yet, on time) records a verification in the phone's zone.
# Its camera-state file says camsync's last run failed (no retry time: camsync without --retry-interval): the page warns.
failed_camera_state "$WORK/camera-state.json" "camera busy (503)"
start_sntpd agree --listen 127.0.0.1:11128 --clock simulated --simulated-offset 0 --http 127.0.0.1:8128 \
  --http-set-allow 127.0.0.1/32 --state "$WORK/agree-state.json" --activity-log "$WORK/agree-activity.log" \
  --camera-state "$WORK/camera-state.json"
wait_for_log agree "http: serving on 127.0.0.1:8128"
browser agree http://127.0.0.1:8128/ --timezone Australia/Sydney
check "an agreeing phone: the page shows a verification ($(field .result))" \
  eval '[ "$(field .state)/$(field ".reasons[0]")" = verified/none ] &&
    [[ "$(field .result)" =~ ^"Pi and phone agree (±"[0-9]+" ms); reliable until "[0-9][0-9]:[0-9][0-9]" AE"[DS]"T (Australia/Sydney)"$ ]]'
check "...the browser's zone is Sydney ($(field .zone)), and so is the page's time: $(field .until) Sydney" \
  eval '[ "$(field .zone)" = Australia/Sydney ] && [[ "$(field .result)" == *"until $(field .until) "* ]]'
check "...the sync-state file: action verified, source phone, time_zone Australia/Sydney" \
  jq_true '.action == "verified" and .source == "phone" and .time_zone == "Australia/Sydney"' "$WORK/agree-state.json"
check "...the Pi serves the phone's time now" [ "$(jq -r .reference.state_source <<<"$(status_json agree)")" = phone ]
check "...the activity log: a verification with the zone ($(activity agree '.result+" "+.time_zone'))" \
  [ "$(activity agree '.result+" "+.time_zone')" = "verified Australia/Sydney" ]
check "...the camera's failed run: a warning ($(field .camera_warning)) and the camera line ($(field .camera))" \
  eval '[ "$(field .camera_warning)" = "Camera clock not set: camera busy (503)" ] &&
    [[ "$(field .camera)" =~ ^"not set at "[0-9][0-9]:[0-9][0-9]": camera busy (503)"$ ]]'
page_layout agree "$OUT/agree.png"
camera=$(curl -s http://127.0.0.1:8128/time | jq -c .camera)
check "GET /time: the camera object ($camera)" \
  jq_true '.result == "failed" and .message == "camera busy (503)" and .offset_before_s == null and (.last_run_unix | type) == "number"' <<<"$camera"
echo '{"result": "exploded"}' >"$WORK/camera-state.json"
camera=$(curl -s http://127.0.0.1:8128/time | jq -c .camera)
check "...a camera-state file it cannot read: result unknown, the error as message ($camera)" \
  jq_true '.result == "unknown" and (.message | test("camera-state.json: missing field")) and .last_run_unix == null' <<<"$camera"
rm "$WORK/camera-state.json"
check "...none: no camera object" [ "$(curl -s http://127.0.0.1:8128/time | jq 'has("camera")')" = false ]

# --- A device the user did not allow (not on the access point's network).
# camsync failed and runs again in about 15 min (--retry-interval): the page, in Kathmandu (UTC+5:45),
# says when on its own clock; 30 s past the minute, so the Pi's 5 s does not change the minute.
# camera_state FILE RETRY_UNIX: a failed run's record, now, with that retry time.
camera_state() { failed_camera_state "$1" "camera unreachable (connection refused)" "$2"; }
retry=$(($(date +%s) / 60 * 60 + 900 + 30))
camera_state "$WORK/other-camera.json" "$retry"
start_sntpd other --listen 127.0.0.1:11124 --clock simulated --simulated-offset -5 --http 127.0.0.1:8124 \
  --http-set-allow 10.9.0.0/16 --state "$WORK/other-state.json" --activity-log "$WORK/other-activity.log" \
  --camera-state "$WORK/other-camera.json"
wait_for_log other "http: serving on 127.0.0.1:8124"
browser refused-address http://127.0.0.1:8124/ --timezone Asia/Kathmandu
at=$(TZ=Asia/Kathmandu date -d "@$retry" +%H:%M)
check "camsync failed, retrying at $at in Kathmandu: the warning says so ($(field .camera_warning))" \
  [ "$(field .camera_warning)" = "Camera clock not set: camera unreachable (connection refused) — will retry at $at" ]
check "...GET /time's camera object carries retry_unix" \
  [ "$(curl -s http://127.0.0.1:8124/time | jq .camera.retry_unix)" = "$retry" ]
check "not allowed: the page says so ($(field .result))" \
  eval '[ "$(field .state)/$(field ".reasons[0]")" = refused/not_allowed ] && grep -q "is not one that may set the clock" <<<"$(field .result)"' 
check "...and the clock is still 5 s behind ($(jq .clock.simulated_offset_s <<<"$(status_json other)") s)" \
  [ "$(jq .clock.simulated_offset_s <<<"$(status_json other)")" = -5 ]
check "...no sync-state file was written" [ ! -e "$WORK/other-state.json" ]
check "...the refusal is counted" [ "$(jq .http.refused.not_allowed <<<"$(status_json other)")" = 1 ]
check "...but not in the activity log (before the access check)" [ ! -s "$WORK/other-activity.log" ]

# --- The Pi already has a fresher reference: an NTP server set it a minute ago (on its own time scale).
printf '{"last_sync_unix":%s,"source":"ntp:192.168.1.1","stratum":2,"offset_s":0,"uncertainty_s":0.001,%s}\n' \
  "$(awk -v n="$(date +%s.%N)" 'BEGIN { printf "%.3f", n - 5 - 60 }')" "$(boot_fields 60)" >"$WORK/fresh-state.json"
cp "$WORK/fresh-state.json" "$WORK/fresh-state.orig"
# camsync's retry time has passed (its timer did not run): the warning does not promise it.
camera_state "$WORK/fresh-camera.json" $(($(date +%s) - 600))
start_sntpd fresh --listen 127.0.0.1:11125 --clock simulated --simulated-offset -5 --http 127.0.0.1:8125 \
  --http-set-allow 127.0.0.1/32 --state "$WORK/fresh-state.json" --activity-log "$WORK/fresh-activity.log" \
  --camera-state "$WORK/fresh-camera.json"
wait_for_log fresh "http: serving on 127.0.0.1:8125"
browser refused-fresh http://127.0.0.1:8125/
check "a retry time already past: no 'will retry' ($(field .camera_warning))" \
  [ "$(field .camera_warning)" = "Camera clock not set: camera unreachable (connection refused)" ]
check "already fresh: the page says so ($(field .result))" \
  eval '[ "$(field .state)/$(field ".reasons[0]")" = refused/fresher_reference ] && grep -q "fresher reference" <<<"$(field .result)"' 
check "...the clock is still 5 s behind" [ "$(jq .clock.simulated_offset_s <<<"$(status_json fresh)")" = -5 ]
check "...the sync-state file is unchanged" cmp -s "$WORK/fresh-state.json" "$WORK/fresh-state.orig"
check "...the refusal is in the activity log" [ "$(activity fresh .reason)" = fresher_reference ]

# --- A record of the RTC is no better than the phone: the phone replaces it (curl as the phone).
printf '{"last_sync_unix":%s,"source":"rtc","offset_s":0,"uncertainty_s":0.001,%s}\n' \
  "$(awk -v n="$(date +%s.%N)" 'BEGIN { printf "%.3f", n - 5 - 60 }')" "$(boot_fields 60)" >"$WORK/rtc-state.json"
start_sntpd rtc --listen 127.0.0.1:11127 --clock simulated --simulated-offset -5 --http 127.0.0.1:8127 \
  --http-set-allow 127.0.0.1/32 --state "$WORK/rtc-state.json" --activity-log ""
wait_for_log rtc "http: serving on 127.0.0.1:8127"
cp "$WORK/rtc-state.json" "$WORK/rtc-state.orig"
curl_set 127.0.0.1:8127 '"time_zone":"Mars/Olympus"'
check "a zone the tz database does not know: 400 bad_time_zone ($set_code $(json message "$set"))" \
  eval '[ "$set_code $(json reason "$set")" = "400 bad_time_zone" ] && cmp -s "$WORK/rtc-state.json" "$WORK/rtc-state.orig"'
curl_set 127.0.0.1:8127 '"time_zone":5'
check "a time_zone that is not a string: 400 bad_request ($set_code $(json reason "$set"))" \
  [ "$set_code $(json reason "$set")" = "400 bad_request" ]
curl_set 127.0.0.1:8127
check "a fresh RTC record: the phone replaces it ($(json result "$set"), step $(json offset_s "$set") s +- $(json uncertainty_s "$set") s)" \
  set_within 5
check "...the sync-state file now names the phone" jq_true '.source == "phone" and .action == "step"' "$WORK/rtc-state.json"

# --- --http-set-interface: the clients on an interface (here the namespace's loopback), with curl as the phone.
start_sntpd iface --listen 127.0.0.1:11126 --clock simulated --simulated-offset -5 --http 127.0.0.1:8126 \
  --http-set-interface lo --state "$WORK/iface-state.json" --activity-log ""
wait_for_log iface "http: serving on 127.0.0.1:8126"
curl_set 127.0.0.1:8126
check "--http-set-interface lo: a client on it sets the clock ($(json result "$set"), step $(json offset_s "$set") s +- $(json uncertainty_s "$set") s)" \
  set_within 5

# --- Usage and runtime errors.
sntpd_args=(--user root --control "$WORK/err.sock" --listen 127.0.0.1:0)
expect_exit 2 "--http-set-allow without --http" "$BIN/sntpd" "${sntpd_args[@]}" --http-set-allow 127.0.0.1
expect_exit 2 "--simulated-offset without --clock simulated" "$BIN/sntpd" "${sntpd_args[@]}" --simulated-offset 3
expect_exit 2 "--clock with an unknown clock" "$BIN/sntpd" "${sntpd_args[@]}" --clock fake
expect_exit 2 "--http with a bad port" "$BIN/sntpd" "${sntpd_args[@]}" --http 127.0.0.1:99999
expect_exit 2 "--http-set-allow with a bad prefix" "$BIN/sntpd" "${sntpd_args[@]}" --http 127.0.0.1:0 \
  --http-set-allow 300.1.1.1/8
expect_exit 1 "--http on a port in use" "$BIN/sntpd" "${sntpd_args[@]}" --http 127.0.0.1:8123
check "...and it says so" grep -q "sntpd: error: --http: cannot bind 127.0.0.1:8123" "$WORK/last.err"

check "screenshots: $OUT/phone.png, agree.png, refused-address.png, refused-fresh.png" \
  eval '[ -s "$OUT/phone.png" ] && [ -s "$OUT/agree.png" ] && [ -s "$OUT/refused-address.png" ] && [ -s "$OUT/refused-fresh.png" ]' 
finish
