#!/usr/bin/env bash
# sntpd serves its page over HTTPS with --http-tls-cert and --http-tls-key: a
# self-signed certificate made here with openssl, as sntpd(8) documents.  curl
# trusting it reads GET /time and GET / over HTTPS and, as the phone, sets an
# sntpd whose simulated clock starts 5 s behind (Origin https://HOST); an
# Origin of http://HOST over the TLS connection is another site (refused);
# plain HTTP to the port gets no answer; the web process gets the bytes, no
# path.  Headless Chromium, accepting the certificate as a phone's user
# accepts the warning, runs the page in a secure context and sets the clock.
# Bad files: one line and exit 2 at start (missing, empty, not PEM, alone, in
# the config file); a key of another certificate: sntpd-web's GnuTLS message
# and exit 2, not a restart loop.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
command -v openssl >/dev/null || { echo "SKIP: openssl is not installed"; exit $SKIP; }

make_cert https
make_cert other
URL=https://127.0.0.1:11151
tls_curl() { curl -s --max-time 5 --cacert "$WORK/https.crt" "$@"; }

start_sntpd pi --listen 127.0.0.1:11150 --clock simulated --simulated-offset -5 --http 127.0.0.1:11151 \
  --http-tls-cert "$WORK/https.crt" --http-tls-key "$WORK/https.key" --http-set-allow 127.0.0.1/32 \
  --state "$WORK/pi-state.json" --activity-log "$WORK/pi-activity.log"
sntpd_pid=$LAST_PID
wait_for_log pi "http: serving on 127.0.0.1:11151 (HTTPS)"
run_capture body tls_curl -w '\n%{http_code} %{content_type}' "$URL/time"
check "GET /time over HTTPS: 200, JSON, unsynchronized ($(tail -1 <<<"$body"))" \
  eval '[ "$(tail -1 <<<"$body")" = "200 application/json" ] && [ "$(head -1 <<<"$body" | jq -r .stratum)" = 16 ]'
run_capture page tls_curl -w '\n%{http_code} %{content_type}' "$URL/"
check "GET / over HTTPS: 200, the page ($(tail -1 <<<"$page"))" \
  eval '[ "$(tail -1 <<<"$page")" = "200 text/html; charset=utf-8" ] && grep -q "<html" <<<"$page"'
headers=$(tls_curl -D - -o /dev/null "$URL/" | tr -d '\r')
check "no Strict-Transport-Security header (a self-signed certificate would lock phones out)" \
  eval 'grep -q "^HTTP/1.1 200" <<<"$headers" && ! grep -qi "^strict-transport-security" <<<"$headers"'
check "the certificate served is ours (curl verified it against it alone)" tls_curl -o /dev/null -f "$URL/time"
served_check "before: the Pi serves a time 5 s behind" -5000 "$URL" "$WORK/https.crt"

web=$(pgrep -P "$sntpd_pid" -x sntpd-web || true)
check "sntpd-web got no path to the files: not on its command line" \
  eval '[ -n "$web" ] && ! tr "\0" " " <"/proc/$web/cmdline" | grep -q "https\."'
check "...nor open: it read the sealed memory files sntpd handed over and closed them" \
  eval '[ -n "$web" ] && ls -l "/proc/$web/fd" >/dev/null && ! ls -l "/proc/$web/fd" | grep -qE "https\.|memfd"'

# A set as the phone, over HTTPS, with the Origin a page served over HTTPS sends.
https_set() { phone_set "$URL" "$1" "$WORK/https.crt"; }
https_set "http://127.0.0.1:11151"
check "Origin http://HOST over HTTPS: another site, refused ($set_code $(json reason "$set"))" \
  [ "$set_code $(json reason "$set")" = "403 cross_site" ]
https_set "https://127.0.0.1:11151"
check "Origin https://HOST over HTTPS: the clock is set ($set_code $(json result "$set"))" \
  [ "$set_code $(json result "$set")" = "200 set" ]
served_check "after: the Pi serves this machine's time, within its stated error" 0 "$URL" "$WORK/https.crt"
check "the sync-state file: source phone" jq_true '.source == "phone"' "$WORK/pi-state.json"

run_capture plain curl -s --max-time 3 http://127.0.0.1:11151/time
check "plain HTTP to the HTTPS port: no answer (curl exit $RC, body '${plain:0:40}')" \
  eval '[ "$RC" -ne 0 ] && [ -z "$plain" ]'
check "...and HTTPS still answers" tls_curl -o /dev/null -f "$URL/time"
status=$("$BIN/sntpd" status --json --control "$WORK/pi.sock")
check "sntpd status --json: the HTTP interface and its set ($(jq -c '[.http.listen, .http.https, .http.sets]' <<<"$status"))" \
  [ "$(jq -c '[.http.listen, .http.https, .http.sets]' <<<"$status")" = '["127.0.0.1:11151",true,1]' ]

if command -v chromium >/dev/null && command -v node >/dev/null &&
  [ -d "$REPO/tests/browser/node_modules/playwright-core" ]; then
  OUT=${LANSYNC_TEST_OUT:-$REPO/tests/out}/sntpd_https
  mkdir -p "$OUT"
  # A second sntpd 5 s behind: the browser's page sets it by itself.
  start_sntpd chrome --listen 127.0.0.1:11152 --clock simulated --simulated-offset -5 --http 127.0.0.1:11153 \
    --http-tls-cert "$WORK/https.crt" --http-tls-key "$WORK/https.key" --http-set-allow 127.0.0.1/32 \
    --state "$WORK/chrome-state.json" --activity-log "$WORK/chrome-activity.log"
  wait_for_log chrome "http: serving on 127.0.0.1:11153 (HTTPS)"
  RC=0
  REPORT=$(timeout 90 node "$REPO/tests/browser/https_page.mjs" https://127.0.0.1:11153/ "$OUT/page.png" \
    --profile "$WORK/chromium" 2>"$WORK/browser.log") || RC=$?
  echo "      page: $REPORT"
  check "Chromium ran the page (exit $RC)" [ "$RC" -eq 0 ]
  check "the self-signed HTTPS page is a secure context (isSecureContext $(jq -r .secure <<<"$REPORT"))" \
    [ "$(jq -r '[.protocol, .secure] | join(" ")' <<<"$REPORT")" = "https: true" ]
  check "the page set the clock over HTTPS (Origin $(jq -r .origin <<<"$REPORT"), state $(jq -r .state <<<"$REPORT"))" \
    [ "$(jq -r '[.origin, .state, .reasons[0]] | join(" ")' <<<"$REPORT")" = "https://127.0.0.1:11153 set none" ]
else
  echo "      (no chromium, node or playwright-core: the browser part is not run)"
fi

# Bad files: one line naming the file, exit 2, before anything is served.
tls_start() { "$BIN/sntpd" --user root --listen 127.0.0.1:11160 --control "$WORK/bad.sock" --http 127.0.0.1:11161 "$@"; }
: >"$WORK/empty.pem"
echo "not a certificate" >"$WORK/garbage.pem"
head -c 70000 /dev/zero | tr '\0' 'A' >"$WORK/large.pem"
expect_message 2 "a missing certificate" "--http-tls-cert: cannot open $WORK/missing.crt" \
  tls_start --http-tls-cert "$WORK/missing.crt" --http-tls-key "$WORK/https.key"
expect_message 2 "an empty key" "--http-tls-key: $WORK/empty.pem is empty" \
  tls_start --http-tls-cert "$WORK/https.crt" --http-tls-key "$WORK/empty.pem"
expect_message 2 "a certificate that is not PEM" "--http-tls-cert: $WORK/garbage.pem holds no PEM certificate" \
  tls_start --http-tls-cert "$WORK/garbage.pem" --http-tls-key "$WORK/https.key"
expect_message 2 "the key as the certificate" "--http-tls-cert: $WORK/https.key holds no PEM certificate" \
  tls_start --http-tls-cert "$WORK/https.key" --http-tls-key "$WORK/https.crt"
expect_message 2 "a file over 64 KiB" "--http-tls-key: $WORK/large.pem is larger than 64 KiB" \
  tls_start --http-tls-cert "$WORK/https.crt" --http-tls-key "$WORK/large.pem"
expect_message 2 "a certificate without its key" "--http-tls-cert needs --http-tls-key" \
  tls_start --http-tls-cert "$WORK/https.crt"
expect_message 2 "a certificate without --http" "need --http" \
  "$BIN/sntpd" --user root --listen 127.0.0.1:11160 --control "$WORK/bad.sock" \
  --http-tls-cert "$WORK/https.crt" --http-tls-key "$WORK/https.key"
printf 'http-tls-cert %s\nhttp-tls-key %s\n' "$WORK/https.crt" "$WORK/missing.key" >"$WORK/bad.conf"
expect_message 2 "in the config file: a missing key" "--http-tls-key: cannot open $WORK/missing.key" \
  tls_start --config "$WORK/bad.conf"
# GnuTLS's verdict comes from sntpd-web, as it starts: sntpd stops with it instead of restarting it.
run_capture out timeout 20 "$BIN/sntpd" --user root --listen 127.0.0.1:11160 --control "$WORK/bad.sock" \
  --http 127.0.0.1:11161 --http-tls-cert "$WORK/https.crt" --http-tls-key "$WORK/other.key"
check "a key of another certificate: exit 2 (exit $RC)" [ "$RC" -eq 2 ]
check "...with GnuTLS's reason, from sntpd-web" \
  grep -q "sntpd-web: error: --http-tls-cert and --http-tls-key refused by GnuTLS: The certificate and the given key do not match" \
  "$WORK/last.err"
check "...and sntpd says it stops rather than restarting it" \
  eval 'grep -q "sntpd: error: http: sntpd-web cannot serve HTTPS" "$WORK/last.err" && ! grep -q "starting it again" "$WORK/last.err"'
finish
