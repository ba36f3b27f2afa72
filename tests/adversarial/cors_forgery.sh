#!/usr/bin/env bash
# Pages of other origins try to use an sntpd that lets one app's page in (sntpd
# --http-allow-origin http://127.0.0.1:3000): origins that look like the allowed
# one (a suffix, a longer or shorter port, user info, https, a path, the same
# port on another name, "null"), the allowed origin behind a rebinding Host, and
# the allowed origin from an address --http-set-allow does not name.  What a user
# would check: no answer lets such a page read it (Access-Control-Allow-Origin
# only ever names the allowed origin, and no answer allows credentials), no set
# or camera request is taken (the Pi stays 5 s behind, its sync-state file and
# camera-request file are never written), and NTP is answered throughout.
source "$(dirname "$0")/../interop/lib.sh"
enter_private_netns "$@"
ip addr add 127.0.0.2/8 dev lo 2>/dev/null || true

APP=http://127.0.0.1:3000
start_sntpd web --listen 127.0.0.1:11150 --clock simulated --simulated-offset -5 --http 127.0.0.1:8150 \
  --http-set-allow 127.0.0.1/32 --http-allow-origin "$APP" --state "$WORK/web-state.json" \
  --activity-log "$WORK/web-activity.log" --camera-request "$WORK/web-request" --camera-state "$WORK/web-camera.json"
wait_for_log web "http: serving on 127.0.0.1:8150"
PI=http://127.0.0.1:8150
wait_for_ntp 127.0.0.1:11150
header() { tr -d '\r' <"$1" | sed -n "s/^$2: //Ip"; }  # header FILE NAME: its value
code() { head -n 1 "$1" | cut -d' ' -f2; }              # code FILE: the status of a dumped head
offset() { jq .clock.simulated_offset_s <<<"$("$BIN/sntpd" status --json --control "$WORK/web.sock")"; }
ntp_answered=0 ntp_sent=0
ntp_once() {  # one NTP query of the Pi, counted when answered (unsynchronized: 5 s behind, no reference)
  local out
  ntp_sent=$((ntp_sent + 1))
  out=$("$BIN/ntpprobe" -n 1 -t 1 -o json 127.0.0.1:11150 2>/dev/null || true)
  jq -e '.status == "unsynchronized" and .stratum == 0' <<<"$out" >/dev/null && ntp_answered=$((ntp_answered + 1))
  return 0
}

# The allowed origin itself is let in: the attacks below are refused for what they are.
curl -s -o /dev/null -D "$WORK/ok.h" -X OPTIONS -H "Origin: $APP" -H 'Access-Control-Request-Method: POST' "$PI/set"
check "the allowed origin's preflight: 204, naming it" \
  eval '[ "$(code "$WORK/ok.h")" = 204 ] && [ "$(header "$WORK/ok.h" Access-Control-Allow-Origin)" = "$APP" ]'

for origin in "http://127.0.0.1:3000.evil.example" "http://127.0.0.1:30000" "http://127.0.0.1:300" \
  "http://evil@127.0.0.1:3000" "https://127.0.0.1:3000" "http://127.0.0.1:3000/app" "http://localhost:3000" \
  "http://127.0.0.2:3000" "null" "http://127.0.0.1:3000, http://evil.example"; do
  leaked=""
  for path in /set /exchange /time /sync-camera /metrics; do
    curl -s -o /dev/null -D "$WORK/pre.h" -X OPTIONS -H "Origin: $origin" \
      -H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: content-type' "$PI$path"
    [ "$(code "$WORK/pre.h")" = 403 ] || leaked+=" OPTIONS $path: $(code "$WORK/pre.h")"
    curl -s -o /dev/null -D "$WORK/get.h" -H "Origin: $origin" "$PI$path"
    for h in "$WORK/pre.h" "$WORK/get.h"; do
      [ -z "$(header "$h" Access-Control-Allow-Origin)$(header "$h" Access-Control-Allow-Credentials)" ] ||
        leaked+=" $path: $(header "$h" Access-Control-Allow-Origin)"
    done
  done
  check "origin '$origin': every preflight 403, no answer readable by its page${leaked:+ (not:$leaked)}" [ -z "$leaked" ]
  phone_set "$PI" "$origin" ""
  check "...its set refused cross_site ($set_code $(json reason "$set"))" [ "$set_code $(json reason "$set")" = "403 cross_site" ]
  curl -s -o "$WORK/cam.json" -w '%{http_code}' -H "Origin: $origin" -H 'Content-Type: application/json' \
    --data-binary '{}' "$PI/sync-camera" >"$WORK/cam.code"
  check "...its camera request refused ($(cat "$WORK/cam.code"))" [ "$(cat "$WORK/cam.code")" = 403 ]
  ntp_once
done

# The allowed origin with a Host that public DNS could point at the Pi (DNS rebinding).
curl -s -o /dev/null -D "$WORK/rebind.h" -H "Origin: $APP" -H 'Host: rebind.example.com:8150' "$PI/exchange"
check "the allowed origin with a rebinding Host: GET /exchange 403, no CORS header" \
  eval '[ "$(code "$WORK/rebind.h")" = 403 ] && [ -z "$(header "$WORK/rebind.h" Access-Control-Allow-Origin)" ]'
token=$(curl -s -H "Origin: $APP" "$PI/exchange" | jq -r .token)
now_ms=$(date +%s%3N)
body=$(printf '{"token":"%s","t1_ms":%s,"t4_ms":%s,"trigger":"auto"}' "$token" "$now_ms" "$((now_ms + 1))")
rebind=$(curl -s -H "Origin: $APP" -H 'Host: rebind.example.com:8150' -H 'Content-Type: application/json' \
  --data "$body" "$PI/set")
check "...its set with a real token refused cross_site ($(json reason "$rebind"))" [ "$(json reason "$rebind")" = cross_site ]
ntp_once

# The allowed origin's page on a phone --http-set-allow does not name (127.0.0.2).
PHONE_SOURCE=127.0.0.2 phone_set "$PI" "$APP" ""
check "the allowed origin from an address that may not set: refused not_allowed ($set_code $(json reason "$set"))" \
  [ "$(json reason "$set")" = not_allowed ]
ntp_once

check "the Pi did not move: still 5 s behind ($(offset) s)" [ "$(offset)" = -5 ]
check "...its sync-state file was never written" [ ! -e "$WORK/web-state.json" ]
check "...nor its camera-request file" [ ! -e "$WORK/web-request" ]
check "...and no set in its activity log" \
  [ "$(jq -r 'select(.event == "phone_set" and .result != "refused") | .result' "$WORK/web-activity.log" 2>/dev/null)" = "" ]
check "NTP answered throughout ($ntp_answered of $ntp_sent)" [ "$ntp_answered" -eq "$ntp_sent" ]
finish
