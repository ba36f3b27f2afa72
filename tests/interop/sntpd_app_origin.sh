#!/usr/bin/env bash
# An app's page on another origin (the timelapse app on port 3000 of the Pi)
# uses lansync.js with sntpd --http-allow-origin (issue 29, part 6): curl sees
# the CORS answers (a preflight of the allowed origin: 204 naming it, GET,
# POST and Content-Type, no credentials; another origin's: 403 and no CORS
# header; /metrics never), and in Chromium the app's page loads
# http://PI/lansync.js and syncs the phone (an sntpd 5 s behind is stepped),
# then the camera (camsync's run, as camsync.path would start it), and
# syncPhone() resolves with the location it sent (the app's timelapse report).  The same page on a third origin, and the allowed one
# against an sntpd without the option, are refused by the browser: the Pi does
# not move and nothing reaches its activity log.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
need_browser

APP=http://127.0.0.1:3000
mkdir -p "$WORK/app"
# The app's page: only its own origin; lansync.js comes from the Pi (embed.mjs adds the tag).
echo '<!doctype html><meta charset="utf-8"><title>Intervalometer</title><h1>Timelapse</h1>' >"$WORK/app/index.html"
start app python3 -m http.server 3000 --bind 127.0.0.1 --directory "$WORK/app"
start third python3 -m http.server 3001 --bind 127.0.0.1 --directory "$WORK/app"
wait_until 20 curl -sf -o /dev/null "$APP/"
wait_until 20 curl -sf -o /dev/null http://127.0.0.1:3001/

embed_pi 11145 8145 --http-allow-origin "$APP/"
PI=http://127.0.0.1:8145
status_json() { "$BIN/sntpd" status --json --control "$WORK/$1.sock"; }
header() { tr -d '\r' <"$1" | sed -n "s/^$2: //Ip"; }  # header FILE NAME: its value

# --- What the browser reads: curl shows the headers.
curl -s -o /dev/null -D "$WORK/pre.h" -X OPTIONS -H "Origin: $APP" -H 'Access-Control-Request-Method: POST' \
  -H 'Access-Control-Request-Headers: content-type' "$PI/set"
check "a preflight of $APP for POST /set: 204, its origin allowed ($(header "$WORK/pre.h" Access-Control-Allow-Origin))" \
  eval '[ "$(head -1 "$WORK/pre.h" | cut -d" " -f2)" = 204 ] && [ "$(header "$WORK/pre.h" Access-Control-Allow-Origin)" = "$APP" ]'
check "...POST and Content-Type allowed ($(header "$WORK/pre.h" Access-Control-Allow-Methods); $(header "$WORK/pre.h" Access-Control-Allow-Headers))" \
  eval '[[ "$(header "$WORK/pre.h" Access-Control-Allow-Methods)" == *POST* ]] &&
    [ "$(header "$WORK/pre.h" Access-Control-Allow-Headers)" = Content-Type ]'
check "...no credentials" [ -z "$(header "$WORK/pre.h" Access-Control-Allow-Credentials)" ]
curl -s -o /dev/null -D "$WORK/third.h" -X OPTIONS -H 'Origin: http://127.0.0.1:3001' \
  -H 'Access-Control-Request-Method: POST' "$PI/set"
check "a preflight of another origin: 403, no CORS header" \
  eval '[ "$(head -1 "$WORK/third.h" | cut -d" " -f2)" = 403 ] && [ -z "$(header "$WORK/third.h" Access-Control-Allow-Origin)" ]'
curl -s -o /dev/null -D "$WORK/exchange.h" -H "Origin: $APP" "$PI/exchange"
check "GET /exchange from $APP: readable by it (Vary: $(header "$WORK/exchange.h" Vary))" \
  eval '[ "$(header "$WORK/exchange.h" Access-Control-Allow-Origin)" = "$APP" ] && [ "$(header "$WORK/exchange.h" Vary)" = Origin ]'
curl -s -o /dev/null -D "$WORK/metrics.h" -H "Origin: $APP" "$PI/metrics"
check "GET /metrics from $APP: no CORS (not the phone's)" [ -z "$(header "$WORK/metrics.h" Access-Control-Allow-Origin)" ]
curl -s -o /dev/null -D "$WORK/rebind.h" -X OPTIONS -H "Origin: $APP" -H 'Host: rebind.example.com' "$PI/set"
check "a preflight with a rebinding Host: 403" [ "$(head -1 "$WORK/rebind.h" | cut -d" " -f2)" = 403 ]

# --- The app's page in Chromium: phone, then camera, then start.
browser_embed() {  # browser_embed NAME PI_URL PAGE_URL [EMBED_ARGS...]: embed.mjs's report in $REPORT
  REPORT=$(timeout 90 node "$REPO/tests/browser/embed.mjs" "$2" --page "$3" --profile "$WORK/chromium-$1" "${@:4}" \
    2>"$WORK/browser-$1.log") || failed "the browser run failed: $(tail -5 "$WORK/browser-$1.log")"
  echo "      page: $REPORT"
}
browser_embed app "$PI" "$APP/" --locate
check "the app's page: await lansync.syncPhone() set the Pi ($(jq -c '.phone | {result, offset_s, uncertainty_s, status}' <<<"$REPORT"))" \
  jq_true '.phone.result == "set" and .phone.status == 200 and (.phone.offset_s - 5 | fabs) <= .phone.uncertainty_s + 0.001 and .page_error == null' <<<"$REPORT"
check "...it resolves with the location it sent, for the app's report: $(jq -c .phone.location <<<"$REPORT")" \
  jq_true '.located.state == "ok" and .phone.location == .located.location and .phone.location.lat == -33.8568 and .phone.location.lon == 151.2153' <<<"$REPORT"
check "...sntpd's activity log has it too ($(jq -c 'select(.event == "phone_set") | .location' "$WORK/web-activity.log"))" \
  jq_true -s 'map(select(.event == "phone_set")) | length == 1 and (.[0].location.lat + 33.8568 | fabs) < 1e-6' \
  "$WORK/web-activity.log"
check "...await lansync.syncCamera(): requested, then done with camsync's run ($(jq -c '.camera | {result, done}' <<<"$REPORT"))" \
  jq_true '.camera.result == "requested" and .camera.done and .camera.camera.result == "ok"' <<<"$REPORT"
check "...the activity log: the set, from the app's page ($(jq -r 'select(.event == "phone_set") | .result' "$WORK/web-activity.log" | paste -sd ' '))" \
  [ "$(jq -r 'select(.event == "phone_set") | .result' "$WORK/web-activity.log" | paste -sd ' ')" = set ]
lines=$(wc -l <"$WORK/web-activity.log")
offset=$(jq .clock.simulated_offset_s <<<"$(status_json web)")

browser_embed third "$PI" http://127.0.0.1:3001/
check "a third origin's page: its fetch is refused by the browser ($(jq -r .phone.error <<<"$REPORT"))" \
  jq_true '.phone.error != null and .camera == null' <<<"$REPORT"
check "...the Pi did not move ($(jq .clock.simulated_offset_s <<<"$(status_json web)") s, as before: $offset s)" \
  [ "$(jq .clock.simulated_offset_s <<<"$(status_json web)")" = "$offset" ]
check "...nothing in the activity log" [ "$(wc -l <"$WORK/web-activity.log")" -eq "$lines" ]

start_sntpd closed --listen 127.0.0.1:11146 --clock simulated --simulated-offset -5 --http 127.0.0.1:8146 \
  --http-set-allow 127.0.0.1/32 --state "$WORK/closed-state.json" --activity-log "$WORK/closed-activity.log"
wait_for_log closed "http: serving on 127.0.0.1:8146"
browser_embed closed http://127.0.0.1:8146 "$APP/"
check "without --http-allow-origin: the app's page is refused ($(jq -r .phone.error <<<"$REPORT"))" \
  jq_true '.phone.error != null' <<<"$REPORT"
check "...the Pi is still 5 s behind ($(jq .clock.simulated_offset_s <<<"$(status_json closed)") s)" \
  [ "$(jq .clock.simulated_offset_s <<<"$(status_json closed)")" = -5 ]
check "...and wrote no activity line" [ ! -s "$WORK/closed-activity.log" ]

run_capture bad "$BIN/sntpd" --listen 127.0.0.1:11147 --http 127.0.0.1:8147 --http-allow-origin http://app.example.com:3000
check "--http-allow-origin with a public name: exit 2 ($(cat "$WORK/last.err"))" \
  eval '[ "$RC" -eq 2 ] && grep -q "^sntpd: error: --http-allow-origin: .*public DNS" "$WORK/last.err"'
run_capture bad "$BIN/sntpd" --listen 127.0.0.1:11147 --http-allow-origin "$APP"
check "--http-allow-origin without --http: exit 2" [ "$RC" -eq 2 ]
finish
