#!/usr/bin/env bash
# The phone's location for the timelapse report, in Debian's headless Chromium
# (tests/browser/location.mjs): on a secure origin with the geolocation
# permission granted (a fix in Sydney, ±25 m), the page sets the Pi and the
# activity log's line of a set or verification carries the location (lat/lon
# within 1e-6 degrees, accuracy 25 m, the fix's time near now); a fix that
# comes too late for the first set goes with the next (the button); with the
# permission denied the set still happens, no line has a location and the page
# says "Location denied"; on an origin that is not a secure context
# (http://lansync:PORT, a single-label name Chromium maps to 127.0.0.1) the
# page says location needs HTTPS and still sets the clock.  With curl, a bad
# location is refused (400 bad_location) and sets nothing.
#
# The origin is a parameter: secure_origin PORT gives http://127.0.0.1:PORT (a
# secure context for Chromium); SCHEME, SNTPD_OPTS, CURL_OPTS and BROWSER_OPTS
# let the same checks run over HTTPS (https; the certificate options; --cacert
# FILE; --ignore-https-errors).  The last case runs the granted one over HTTPS.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
need_browser

SCHEME=${SCHEME:-http}
SNTPD_OPTS=()
CURL_OPTS=()
BROWSER_OPTS=()
LAT=-33.8568 LON=151.2153 ACCURACY=25

secure_origin() { echo "$SCHEME://127.0.0.1:$1"; }
# pi NAME PORT: an sntpd 5 s behind, phones on loopback may set it, its activity log in $WORK/NAME-activity.log.
pi() {
  start_sntpd "$1" --listen "127.0.0.1:$(($2 + 3000))" --clock simulated --simulated-offset -5 --http "127.0.0.1:$2" \
    --http-set-allow 127.0.0.1/32 --state "$WORK/$1-state.json" --activity-log "$WORK/$1-activity.log" "${SNTPD_OPTS[@]}"
  wait_for_log "$1" "http: serving on 127.0.0.1:$2"
}
# browser NAME URL ARGS...: the page in Chromium; its report in $REPORT.
browser() {
  local name=$1 url=$2 rc=0
  shift 2
  REPORT=$(timeout 90 node "$REPO/tests/browser/location.mjs" "$url/" --profile "$WORK/chromium-$name" \
    --lat "$LAT" --lon "$LON" --accuracy "$ACCURACY" "${BROWSER_OPTS[@]}" "$@" 2>"$WORK/browser-$name.log") || rc=$?
  echo "      page: $REPORT"
  [ "$rc" -eq 0 ] || { failed "$name: the browser run failed (exit $rc): $(tail -5 "$WORK/browser-$name.log")"; return 1; }
}
field() { jq -r "$1" <<<"$REPORT"; }
# The phone_set lines of a set or a verification, compact.
taken() { jq -c 'select(.event == "phone_set" and (.result == "set" or .result == "verified"))' "$WORK/$1-activity.log"; }

# --- Granted, on a secure origin: the location goes with a set or verification and into the activity log.
pi granted 8151
browser granted "$(secure_origin 8151)"
# (A fix slower than the first set goes with the button's verification: the state is then "verified".)
check "a secure context ($(field .secure)); the page set the clock ($(field .state): $(field .result))" \
  eval '[[ "$(field .secure)/$(field .state)" =~ ^true/(set|verified)$ ]] && [ "$(field ".sets[0].result")" = set ] &&
    [ "$(field .page_error)" = null ]'
check "the page shows the location sent ($(field .location))" \
  eval '[ "$(field .location_state)" = sent ] && grep -q -- "-33.8568, 151.2153 (± 25 m)" <<<"$(field .location)"'
line=$(taken granted | jq -c 'select(.location != null)' | tail -1)
echo "      activity: $line"
now=$(date +%s)
check "the activity log's $(jq -r .result <<<"$line") line carries the location" \
  jq_true --argjson now "$now" "(.location.lat - ($LAT) | fabs) < 1e-6 and (.location.lon - ($LON) | fabs) < 1e-6 and
    .location.accuracy_m == $ACCURACY and (.location.unix - \$now | fabs) < 120" <<<"$line"
check "...and only the lines of sets that carried one ($(field '[.sets[] | .location != null] | join(" ")' 2>/dev/null))" \
  [ "$(taken granted | jq -s '[.[] | .location != null]')" = "$(field '[.sets[] | select(.result == "set" or .result == "verified") | .location != null]')" ]
check "...nothing else stores it: not the sync-state file" jq_true 'has("location") | not' "$WORK/granted-state.json"

# --- A fix that comes late (a slow GPS; held until the first set was answered): the first set goes
# without it, the next one carries it.
pi late 8155
browser late "$(secure_origin 8155)" --late
check "late: the first set went without waiting ($(field '[.sets[] | .location != null] | map(tostring) | join(" ")'))" \
  eval '[ "$(field ".sets[0].result")/$(field ".sets[0].location")" = set/null ]'
check "...the button's $(field '.sets[1].result') carried it, and the page says so ($(field .location))" \
  eval '[ "$(field .pressed)/$(field .location_state)" = true/sent ] && [ "$(field ".sets[1].location.lat")" = "$LAT" ]'
check "...the activity log: no location on the set, the location on the next line" \
  [ "$(taken late | jq -r "if .location == null then \"none\" elif .location.accuracy_m == $ACCURACY then \"ok\" else \"bad\" end" |
    paste -sd ' ')" = "none ok" ]

# --- Denied: the set still happens, without a location, and the page says so.
pi denied 8152
browser denied "$(secure_origin 8152)" --deny
check "denied: the page still set the clock ($(field .state)), and says \"$(field .location)\"" \
  eval '[ "$(field .state)/$(field .location_state)" = set/denied ] && [ "$(field .location)" = "Location denied" ]'
check "...no location in the activity log ($(taken denied | wc -l) lines)" \
  eval '[ "$(taken denied | wc -l)" -ge 1 ] && [ -z "$(taken denied | jq -c "select(has(\"location\"))")" ]'

# --- Not a secure context (a single-label name over plain HTTP): location needs HTTPS, the rest works.
pi plain 8153
browser plain "http://lansync:8153" --host-rule "MAP lansync 127.0.0.1"
check "http://lansync: not a secure context ($(field .secure)); the page set the clock ($(field .state))" \
  [ "$(field .secure)/$(field .state)" = false/set ]
check "...it says: $(field .location)" \
  eval '[ "$(field .location_state)" = needs_https ] && [ "$(field .location)" = "Location for the timelapse report needs HTTPS (see the README)" ]'
check "...no location in the activity log" \
  eval '[ "$(taken plain | wc -l)" -ge 1 ] && [ -z "$(taken plain | jq -c "select(has(\"location\"))")" ]'

# --- curl: a bad location is refused before anything is judged; a good one is recorded.
# curl_location ORIGIN LOCATION_JSON: one exchange and set with curl as the phone; $set and $set_code.
curl_location() {
  local t1 x t4
  t1=$(date +%s%3N)
  x=$(curl -s "${CURL_OPTS[@]}" "$1/exchange")
  t4=$(date +%s%3N)
  run_capture set curl -s "${CURL_OPTS[@]}" -H 'Content-Type: application/json' -w '\n%{http_code}' \
    -d "{\"token\":\"$(json token "$x")\",\"t1_ms\":$t1,\"t4_ms\":$t4,\"location\":$2}" "$1/set"
  set_code=$(tail -1 <<<"$set")
  set=$(head -1 <<<"$set")
}
pi curl 8154
for bad in '{"lat":91,"lon":151.2,"accuracy_m":25,"unix":1795000000}' '{"lat":-33.8,"lon":151.2,"accuracy_m":25}' \
  '{"lat":-33.8,"lon":151.2,"accuracy_m":25,"unix":1795000000.5}' '"Sydney"'; do
  curl_location "$(secure_origin 8154)" "$bad"
  check "location $bad: $set_code $(json reason "$set") ($(json message "$set"))" \
    eval '[ "$set_code $(json reason "$set")" = "400 bad_location" ] && [ "$(json message "$set" | wc -l)" = 1 ]'
done
check "...no set: the clock is still 5 s behind, no sync-state file" \
  eval '[ "$("$BIN/sntpd" status --json --control "$WORK/curl.sock" | jq .clock.simulated_offset_s)" = -5 ] && [ ! -e "$WORK/curl-state.json" ]'
check "...the refusals in the activity log, without a location" \
  [ "$(jq -r 'select(.event == "phone_set") | "\(.reason)/\(has("location"))"' "$WORK/curl-activity.log" | sort -u)" = bad_location/false ]
curl_location "$(secure_origin 8154)" "{\"lat\":$LAT,\"lon\":$LON,\"accuracy_m\":12.5,\"unix\":$(date +%s)}"
check "a good location with curl: $(json result "$set"), recorded ($(taken curl | jq -c .location))" \
  eval '[ "$set_code $(json result "$set")" = "200 set" ] && taken curl | jq -e ".location.accuracy_m == 12.5" >/dev/null'
# --- Over HTTPS (--http-tls-cert/--http-tls-key, a self-signed certificate made as sntpd(8) documents;
# the phone accepted the warning once: --ignore-https-errors): a secure context on any name, the
# location recorded.
if command -v openssl >/dev/null; then
  make_cert https
  SNTPD_OPTS=(--http-tls-cert "$WORK/https.crt" --http-tls-key "$WORK/https.key")
  pi https 8156
  browser https "https://127.0.0.1:8156" --ignore-https-errors
  check "https: a secure context ($(field .secure)); the page set the clock ($(field .state)), location $(field .location_state)" \
    eval '[[ "$(field .secure)/$(field .state)/$(field .location_state)" =~ ^true/(set|verified)/sent$ ]]'
  line=$(taken https | jq -c 'select(.location != null)' | tail -1)
  echo "      activity: $line"
  check "...the activity log's $(jq -r .result <<<"$line") line carries the location" \
    jq_true "(.location.lat - ($LAT) | fabs) < 1e-6 and (.location.lon - ($LON) | fabs) < 1e-6 and
      .location.accuracy_m == $ACCURACY" <<<"$line"
  SNTPD_OPTS=()
else
  echo "      (openssl is not installed: the HTTPS case is not run)"
fi
finish
