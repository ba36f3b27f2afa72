#!/usr/bin/env bash
# POST /sync-camera and GET /lansync.js with curl: a reliable sntpd (a fresh
# sync-state record) writes its --camera-request file and answers 202 with the
# request's time; a cross-site post is refused (403, no file, no activity line);
# an sntpd whose time is unreliable (no reference) answers 409 not_reliable and
# writes nothing.  GET /lansync.js is JavaScript with Cache-Control no-cache,
# and refused for a rebinding Host.  In Chromium (when installed), a page of
# the Pi's origin embeds it: `await lansync.syncPhone()` sets an sntpd 5 s
# behind, and `await lansync.syncCamera()` resolves once the camera-state
# file (written here, as camsync would when camsync.path starts it) shows a
# run after the request.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

post() {  # post NAME HOST:PORT [CURL_ARGS...]: the answer's body in $NAME, its status in ${NAME}_code
  local name=$1 addr=$2 out
  shift 2
  out=$(curl -s -X POST -H 'Content-Length: 0' -w '\n%{http_code}' "$@" "http://$addr/sync-camera")
  printf -v "$name" '%s' "$(head -1 <<<"$out")"
  printf -v "${name}_code" '%s' "$(tail -1 <<<"$out")"
}

sync_state "$WORK/pi-state.json" 0
start_sntpd pi --listen 127.0.0.1:11141 --clock simulated --http 127.0.0.1:8141 --http-set-allow 127.0.0.1/32 \
  --state "$WORK/pi-state.json" --activity-log "$WORK/pi-activity.log" --camera-request "$WORK/pi-request"
wait_for_log pi "http: serving on 127.0.0.1:8141"

post cross 127.0.0.1:8141 -H 'Origin: http://evil.example'
check "a cross-site post is refused ($cross_code $(json reason "$cross"))" \
  eval '[ "$cross_code $(json reason "$cross")" = "403 cross_site" ] && [ ! -e "$WORK/pi-request" ]'
before=$(date +%s%3N)
post ok 127.0.0.1:8141
check "reliable: 202 requested ($ok_code $ok)" \
  eval '[ "$ok_code $(json result "$ok")" = "202 requested" ] && [ "$(json requested_unix_ms "$ok")" -ge "$before" ]'
check "...the request file written: $(cat "$WORK/pi-request" 2>/dev/null)" \
  jq_true ".requested_unix_ms == $(json requested_unix_ms "$ok") and .client == \"127.0.0.1\"" "$WORK/pi-request"
check "...a camera_request line in the activity log, none for the cross-site post" \
  eval '[ "$(jq -r "select(.event == \"camera_request\") | .result" "$WORK/pi-activity.log" | paste -sd " ")" = requested ]'
run_capture json_body curl -s -H 'Content-Type: application/json' -d '{"why":"timelapse"}' -w '\n%{http_code}' \
  http://127.0.0.1:8141/sync-camera
check "a JSON object body is fine too ($(tail -1 <<<"$json_body"))" [ "$(tail -1 <<<"$json_body")" = 202 ]

start_sntpd cold --listen 127.0.0.1:11142 --clock simulated --http 127.0.0.1:8142 --http-set-allow 127.0.0.1/32 \
  --state "$WORK/cold-state.json" --activity-log "$WORK/cold-activity.log" --camera-request "$WORK/cold-request"
wait_for_log cold "http: serving on 127.0.0.1:8142"
post cold 127.0.0.1:8142
check "unreliable: 409 not_reliable ($cold_code $(json message "$cold"))" \
  eval '[ "$cold_code $(json reason "$cold")" = "409 not_reliable" ] && [ ! -e "$WORK/cold-request" ]'

headers=$(curl -s -D - -o "$WORK/lansync.js" http://127.0.0.1:8141/lansync.js | tr -d '\r')
check "GET /lansync.js: JavaScript" grep -qi '^content-type: text/javascript' <<<"$headers"
check "...Cache-Control: no-cache" grep -qi '^cache-control: no-cache' <<<"$headers"
check "...the script" grep -q 'syncCamera' "$WORK/lansync.js"
check "...refused for a rebinding Host" \
  eval '[ "$(curl -s -o /dev/null -w "%{http_code}" -H "Host: rebind.example.com" http://127.0.0.1:8141/lansync.js)" = 403 ]'

# --- In Chromium: a page on the Pi embeds the sync (tests/browser/embed.mjs).
if command -v chromium >/dev/null && command -v node >/dev/null && [ -d "$REPO/tests/browser/node_modules/playwright-core" ]; then
  embed_pi 11143 8143
  REPORT=$(timeout 90 node "$REPO/tests/browser/embed.mjs" http://127.0.0.1:8143 --profile "$WORK/chromium-embed" \
    2>"$WORK/browser-embed.log") || failed "the browser run failed: $(tail -5 "$WORK/browser-embed.log")"
  echo "      page: $REPORT"
  check "await lansync.syncPhone(): the Pi was set ($(jq -c '.phone | {result, offset_s, uncertainty_s, status}' <<<"$REPORT"))" \
    jq_true '.phone.result == "set" and .phone.status == 200 and (.phone.offset_s - 5 | fabs) <= .phone.uncertainty_s + 0.001 and .page_error == null' <<<"$REPORT"
  check "await lansync.syncCamera(): requested, then done with camsync's run ($(jq -c '.camera | {result, done}' <<<"$REPORT"))" \
    jq_true '.camera.result == "requested" and .camera.done and .camera.camera.result == "ok"' <<<"$REPORT"
  check "...the request file written" test -e "$WORK/web-request"
else
  echo "SKIP (browser part): chromium, node or playwright-core is not installed (scripts/install-deps.sh --test)"
fi
finish
