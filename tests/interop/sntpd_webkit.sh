#!/usr/bin/env bash
# The phone page in WebKit, the engine of every iPhone browser: Debian's
# WebKitGTK (MiniBrowser under WebKitWebDriver, driven by tests/browser/webkit.py
# on an Xvfb of this test's own) as a 390 px wide phone.  The same page that
# tests/interop/sntpd_phone.sh runs in Chromium:
# - at http://192.168.4.1 (the Pi on its access point; not a secure context),
#   an sntpd 5 s behind: the page sets it by itself, the button then records a
#   verification, GET /time agrees with this machine; the location line says it
#   needs HTTPS; the zone WebKit calls Europe/Kiev goes to the Pi as the tz
#   database's Europe/Kyiv; the layout at the phone's width: nothing past the
#   viewport's edges, the button on the first screen, seen in the screenshot;
# - an agreeing phone in Kathmandu (WebKit: Asia/Katmandu): a verification in
#   the phone's zone, and camsync's failed run as a warning with its retry time
#   on the phone's clock, the button still on the first screen;
# - another page of the Pi embeds /lansync.js: syncPhone() sets an sntpd 5 s
#   behind, syncCamera() resolves once camsync's run is recorded.
# Screenshots stay in tests/out/sntpd_webkit/ for a person to look at.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
need_webkit
OUT=${LANSYNC_TEST_OUT:-$REPO/tests/out}/sntpd_webkit
mkdir -p "$OUT"
start_xvfb

field() { jq -r "$1" <<<"$REPORT"; }
activity() { jq -r "$2" "$WORK/$1-activity.log" | paste -sd ' '; }

# --- The Pi at 192.168.4.1, 5 s behind, no other reference; the phone in Kyiv.
ip addr add 192.168.4.1/24 dev lo
PI=http://192.168.4.1:8171
start_sntpd pi --listen 127.0.0.1:11171 --clock simulated --simulated-offset -5 --http 192.168.4.1:8171 \
  --http-set-allow 192.168.4.0/24 --state "$WORK/pi-state.json" --activity-log "$WORK/pi-activity.log"
wait_for_log pi "http: serving on 192.168.4.1:8171"
webkit phone page "$PI/" "$OUT/phone.png" --timezone Europe/Kyiv --button
check "$PI is not a secure context ($(field .secure)): location needs HTTPS ($(field .location))" \
  eval '[ "$(field .secure)/$(field .location_state)" = false/needs_https ] &&
    [ "$(field .location)" = "Location for the timelapse report needs HTTPS (see the README)" ]'
# The step within the error the page states with it.
read -r step step_err <<<"$(stated_step "$(field .result)")"
check "the page set the clock by itself ($(field .state): $(field .result))" \
  eval '[ "$(field .state)" = set ] && near "$step" 5 "$step_err"'
# Agreeing within the set's error, the "±" shown beside the offset (printed to 1 ms) and
# WebKit's clock step (as sntpd_phone.sh does in Chromium).
agree_ms=$(jq -r 'select(.event == "phone_set") | .uncertainty_s' "$WORK/pi-activity.log" | head -n 1 |
  awk -v e="$(sed -n 's/^± \([0-9.]*\) s$/\1/p' <<<"$(field .shown_error)")" -v step="$(field .clock_step_ms)" \
    '{ print (e == "" ? -1 : ($1 + e) * 1000 + 0.5 + step) }')
check "...afterwards it shows the clocks agree ($(field .offset_ms) ms, $(field .shown_error), within ${agree_ms:--1} ms) and the reference: source $(field .source), until $(field .until)" \
  eval 'near "$(field .offset_ms)" 0 "${agree_ms:--1}" && [ "$(field .source)" = phone ] && [[ "$(field .until)" =~ ^[0-9][0-9]:[0-9][0-9]$ ]]'
served_check "...GET /time agrees with this machine's clock, within its stated error" 0 "$PI"
check "the button, now that the Pi agrees: a verification ($(field .button.result))" \
  eval '[ "$(field .button.state)" = verified ] &&
    [[ "$(field .button.result)" =~ ^"Pi and phone agree (±"[0-9]+" ms); reliable until "[0-9][0-9]:[0-9][0-9]" EE"S?"T (Europe/Kyiv)"$ ]]'
check "WebKit's clock steps by $(field .clock_step_ms) ms; the Pi's recorded error is no smaller ($(activity pi .uncertainty_s) s)" \
  jq_true -s --argjson step "$(field .clock_step_ms)" '$step >= 0.001 and all(.[]; .uncertainty_s * 1000 >= $step)' "$WORK/pi-activity.log"
check "the activity log: the set and the verification ($(activity pi '.result+"/"+.reason'))" \
  [ "$(activity pi '.result+"/"+.reason')" = "set/none verified/none" ]
check "the zone: WebKit says $(field .zone), the page sends $(field .zone_sent), the Pi recorded $(activity pi .time_zone)" \
  eval '[ "$(field .zone)/$(field .zone_sent)" = Europe/Kiev/Europe/Kyiv ] && [ "$(activity pi .time_zone)" = "Europe/Kyiv Europe/Kyiv" ] &&
    jq_true ".source == \"phone\" and .time_zone == \"Europe/Kyiv\"" "$WORK/pi-state.json"'
page_layout phone "$OUT/phone.png"

# The page's renamed zones: each old name and its new one keep the same time, and the new one
# is the tz database's own zone, not a link to another.
bad=""
while read -r old new; do
  for t in 1700000000 1720000000 "$(date +%s)"; do
    [ "$(TZ=$old date -d "@$t" +%z%Z)" = "$(TZ=$new date -d "@$t" +%z%Z)" ] || bad+=" $old/$new@$t"
  done
  [ -f "/usr/share/zoneinfo/$new" ] && [ ! -L "/usr/share/zoneinfo/$new" ] || bad+=" $new(not a zone)"
done < <(field '.zone_names | to_entries[] | "\(.key) \(.value)"')
check "the page's $(field '.zone_names | length') renamed zones: the same rules, under the tz database's own names${bad:+: $bad}" \
  eval '[ -z "$bad" ] && [ "$(field ".zone_names | length")" -ge 10 ]'

# --- An agreeing phone in Kathmandu; camsync failed and tries again in about 15 min (30 s past the
# minute, so the clocks' few ms do not change the minute shown).
retry=$(($(date +%s) / 60 * 60 + 900 + 30))
failed_camera_state "$WORK/camera.json" "camera unreachable (connection refused)" "$retry"
start_sntpd agree --listen 127.0.0.1:11172 --clock simulated --simulated-offset 0 --http 127.0.0.1:8172 \
  --http-set-allow 127.0.0.1/32 --state "$WORK/agree-state.json" --activity-log "$WORK/agree-activity.log" \
  --camera-state "$WORK/camera.json"
wait_for_log agree "http: serving on 127.0.0.1:8172"
webkit agree page http://127.0.0.1:8172/ "$OUT/agree.png" --timezone Asia/Kathmandu
check "an agreeing phone: a verification in its zone ($(field .result))" \
  eval '[ "$(field .state)" = verified ] &&
    [[ "$(field .result)" =~ ^"Pi and phone agree (±"[0-9]+" ms); reliable until "[0-9][0-9]:[0-9][0-9]" +0545 (Asia/Kathmandu)"$ ]] &&
    [[ "$(field .result)" == *"until $(field .until) "* ]]'
recorded=$(activity agree '.result+"/"+.time_zone')
check "...WebKit says $(field .zone); the Pi recorded $recorded" \
  eval '[ "$(field .zone)/$recorded" = Asia/Katmandu/verified/Asia/Kathmandu ] &&
    jq_true ".action == \"verified\" and .time_zone == \"Asia/Kathmandu\"" "$WORK/agree-state.json"'
at=$(TZ=Asia/Kathmandu date -d "@$retry" +%H:%M)
check "...camsync's failed run: a warning, retrying at $at in Kathmandu ($(field .camera_warning))" \
  [ "$(field .camera_warning)" = "Camera clock not set: camera unreachable (connection refused) — will retry at $at" ]
page_layout agree "$OUT/agree.png"

# --- Another web app on the Pi embeds /lansync.js.
embed_pi 11173 8173
webkit embed embed http://127.0.0.1:8173
check "await lansync.syncPhone(): the Pi was set ($(jq -c '.phone | {result, offset_s, uncertainty_s, status}' <<<"$REPORT"))" \
  jq_true '.phone.result == "set" and .phone.status == 200 and (.phone.offset_s - 5 | fabs) <= .phone.uncertainty_s + 0.001' <<<"$REPORT"
check "await lansync.syncCamera(): requested, then done with camsync's run ($(jq -c '.camera | {result, done}' <<<"$REPORT"))" \
  jq_true '.camera.result == "requested" and .camera.done and .camera.camera.result == "ok"' <<<"$REPORT"
finish
