#!/usr/bin/env bash
# The HTTPS page in WebKit, the engine of every iPhone browser (Debian's
# WebKitGTK driven by tests/browser/webkit.py, as in sntpd_webkit.sh): sntpd
# with a self-signed certificate (--http-tls-cert/--http-tls-key, made as
# sntpd(8) documents), the warning accepted as a phone's user accepts it.  The
# page is a secure context, so it asks for the phone's location; whatever the
# browser answers (this WebKit has no location service: it refuses, or gives
# nothing within the page's 10 s), the page sets the clock without waiting for
# it, says what became of the location, and the activity log has a location
# only if the page says it sent one.  The set went with Origin https://HOST:
# sntpd takes no other over TLS.  The layout at the phone's width, as in
# sntpd_webkit.sh.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
need_webkit
command -v openssl >/dev/null || { echo "SKIP: openssl is not installed"; exit $SKIP; }
OUT=${LANSYNC_TEST_OUT:-$REPO/tests/out}/sntpd_webkit_https
mkdir -p "$OUT"
start_xvfb
make_cert https
URL=https://127.0.0.1:8181

start_sntpd pi --listen 127.0.0.1:11181 --clock simulated --simulated-offset -5 --http 127.0.0.1:8181 \
  --http-tls-cert "$WORK/https.crt" --http-tls-key "$WORK/https.key" --http-set-allow 127.0.0.1/32 \
  --state "$WORK/pi-state.json" --activity-log "$WORK/pi-activity.log"
wait_for_log pi "http: serving on 127.0.0.1:8181 (HTTPS)"
webkit page page "$URL/" "$OUT/page.png" --insecure-certs --timezone Australia/Sydney --location
field() { jq -r "$1" <<<"$REPORT"; }
check "the self-signed HTTPS page is a secure context ($(field .protocol) isSecureContext $(field .secure))" \
  [ "$(field .protocol)/$(field .secure)" = https:/true ]
# The step within the error the page states with it.
read -r step step_err <<<"$(stated_step "$(field .result)")"
check "the page set the clock over HTTPS ($(field .state): $(field .result))" \
  eval '[ "$(field .state)" = set ] && near "$step" 5 "$step_err"'
line=$(jq -c 'select(.event == "phone_set")' "$WORK/pi-activity.log" | head -1)
check "...the activity log: set, in Sydney's zone ($(jq -c '[.result, .reason, .time_zone]' <<<"$line"))" \
  jq_true '.result == "set" and .reason == "none" and .time_zone == "Australia/Sydney"' <<<"$line"
served_check "...GET /time agrees with this machine's clock, within its stated error" 0 "$URL" "$WORK/https.crt"
check "the location: the page says what became of it ($(field .location_state): $(field .location))" \
  eval 'case "$(field .location_state)" in
    denied) [ "$(field .location)" = "Location denied" ] ;;
    unavailable) [[ "$(field .location)" == "Location unavailable: "?* ]] ;;
    sent) [[ "$(field .location)" == "Location sent for the timelapse report: "* ]] ;;
    *) false ;;
  esac'
check "...and the activity log has a location only if the page sent one" \
  eval '[ "$(jq -s "any(.[]; has(\"location\"))" "$WORK/pi-activity.log")" = "$([ "$(field .location_state)" = sent ] && echo true || echo false)" ]'
page_layout page "$OUT/page.png"
finish
