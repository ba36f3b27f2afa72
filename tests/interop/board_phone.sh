#!/usr/bin/env bash
# lansync-board's phone page in a real browser: Debian's headless Chromium,
# driven by playwright-core (tests/browser/board_phone.mjs).  A board with a
# key and no other source: first another site's page (served from another
# origin) posts a form-like text/plain body and tries a JSON PUT; the board
# refuses the first (403) and the browser blocks the second (no CORS), so the
# board stays unset.  Then the board's own page, its button pressed, measures
# an exchange (GET /exchange) and sets the board (PUT /time 200); GET /time
# then agrees with the browser's clock, and the same PUT sent again is refused
# (403: the token is spent).  The screenshot stays in tests/out/board_phone/.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
need_browser
OUT=${LANSYNC_TEST_OUT:-$REPO/tests/out}/board_phone
mkdir -p "$OUT"

K1=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
printf '1 SHA256 HEX:%s\n' $K1 >"$WORK/board.keys"
chmod 600 "$WORK/board.keys"
mkdir -p "$WORK/other" && echo '<!doctype html><title>another site</title>' >"$WORK/other/index.html"

start board "$BIN/lansync-board" --keys "$WORK/board.keys" --key 1 --serve 127.0.0.1:11194 --http 127.0.0.1:18094 --json
start other python3 -m http.server 18095 --bind 127.0.0.1 --directory "$WORK/other"
wait_for_ntp 127.0.0.1:11194
for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:18095/ && break; sleep 0.1; done

RC=0
REPORT=$(timeout 90 node "$REPO/tests/browser/board_phone.mjs" http://127.0.0.1:18094 http://127.0.0.1:18095/ \
  "$OUT/page.png" --profile "$WORK/chromium" 2>"$WORK/browser.log") || RC=$?
echo "      page: $REPORT"
check "the browser run succeeded (exit $RC) $(tail -3 "$WORK/browser.log" | tr '\n' ' ')" [ "$RC" -eq 0 ]
field() { jq -r "$1" <<<"$REPORT"; }

check "another site's text/plain POST is refused by the board (403)" [ "$(field '.cross_site.statuses[0]')" = 403 ]
check "another site's JSON PUT is blocked by the browser (no CORS)" [ "$(field .cross_site.json_blocked)" = true ]
check "the board's page said it was not set before the button" [ "$(field .before)" = "Board: not set" ]
check "the page measured an exchange and set the board" \
  [ "$(field '.requests | map(select(startswith("GET /exchange 200") or startswith("PUT /time 200"))) | length')" = 2 ]
check "the page says so ($(field .shown))" grep -q "clock set from the phone" <<<"$(field .shown)"
check "the same PUT again is refused: the token is spent" [ "$(field .replay.status)" = 403 ]
check "GET /time: source phone" [ "$(field .time.source)" = phone ]
# Within the error the board states (error_s), half the request's round trip and 1 ms of resolution.
err_ms=$(awk -v e="$(field .time.error_s)" -v d="$(field .time.delay_ms)" 'BEGIN { print e * 1000 + d / 2 + 1 }')
check "the board agrees with the browser's clock ($(field .time.diff_ms) ms, +- $err_ms ms)" \
  near "$(field .time.diff_ms)" 0 "$err_ms"
check "the board logged the set" wait_for_log board "clock set from phone"

finish
