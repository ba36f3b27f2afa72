#!/usr/bin/env bash
# Who may set the Pi's clock automatically, and the page's re-measure schedule.  One sntpd (its
# clock simulated 5 s behind) with --http-set-interface lo (automatic and button) and
# --http-manual-interface wlan0 (one end of a veth pair this test's namespace creates,
# 10.77.0.1/24: the button only).  With curl from wlan0's address: GET /time says "button" and
# names wlan0, an
# automatic set (or one naming no trigger) is refused 403 manual_only, the clock untouched; from lo
# GET /time says "auto".  In Chromium with the page's clock driven by playwright
# (tests/browser/recheck.mjs): on wlan0 the page does not set by itself, shows why, and while the
# Pi is unreliable measures again every minute (8 exchanges a minute over 3 minutes); its button
# sets the clock.  Then on lo, the Pi now reliable, the page verifies by itself and measures again
# only after an hour (none at 59 min, one check at 60).
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
need_browser
OUT=${LANSYNC_TEST_OUT:-$REPO/tests/out}/sntpd_phone_recheck
mkdir -p "$OUT"

# A veth pair whose one end plays the home network's wlan0 (both ends stay in this namespace).
ip link add wlan0 type veth peer name wlan0p && ip addr add 10.77.0.1/24 dev wlan0 &&
  ip link set wlan0p up && ip link set wlan0 up ||
  { echo "SKIP: cannot create a veth pair in this namespace"; exit $SKIP; }

# recheck NAME URL ARGS...: the page in Chromium with its clock moved; its report in $REPORT.
recheck() {
  local name=$1 url=$2
  shift 2
  RC=0
  REPORT=$(timeout 100 node "$REPO/tests/browser/recheck.mjs" "$url" "$OUT/$name.png" \
    --profile "$WORK/chromium-$name" "$@" 2>"$WORK/browser-$name.log") || RC=$?
  echo "      page: $REPORT"
  [ "$RC" -eq 0 ] || { failed "$name: the browser run failed (exit $RC): $(tail -5 "$WORK/browser-$name.log")"; return 1; }
}
field() { jq -r "$1" <<<"$REPORT"; }

expect_exit 2 "--http-manual-interface without --http" "$BIN/sntpd" --user root --control "$WORK/err.sock" \
  --listen 127.0.0.1:0 --http-manual-interface wlan0
check "...and it says so" grep -q "need --http" "$WORK/last.err"

start_sntpd pi --listen 127.0.0.1:11128 --clock simulated --simulated-offset -5 --http 0.0.0.0:8128 \
  --http-set-interface lo --http-manual-interface wlan0 --state "$WORK/pi-state.json" --activity-log ""
wait_for_log pi "http: serving on 0.0.0.0:8128"

# --- curl as the phone.
time_manual=$(curl -s http://10.77.0.1:8128/time)
check "GET /time from wlan0: may_set button, manual_interface wlan0" \
  [ "$(jq -r '"\(.may_set) \(.manual_interface)"' <<<"$time_manual")" = "button wlan0" ]
check "GET /time from lo: may_set auto" [ "$(curl -s http://127.0.0.1:8128/time | jq -r .may_set)" = auto ]
curl_set 10.77.0.1:8128 '"trigger":"auto"'
check "an automatic set from wlan0: 403 manual_only ($set_code $(json message "$set"))" \
  [ "$set_code $(json reason "$set")" = "403 manual_only" ]
curl_set 10.77.0.1:8128
check "a set naming no trigger from wlan0: 403 manual_only" [ "$set_code $(json reason "$set")" = "403 manual_only" ]
check "...the clock untouched: no sync-state record" [ ! -e "$WORK/pi-state.json" ]
check "sntpd status --json counts them (refused.manual_only 2)" \
  [ "$("$BIN/sntpd" status --json --control "$WORK/pi.sock" | jq -r '.http.refused.manual_only')" = 2 ]

# --- The page on wlan0: the Pi unreliable, the button only.
recheck manual http://10.77.0.1:8128/ --minutes 3 --button
check "it did not set by itself (state $(field .state), no POST /set: $(field '.sets | length'))" \
  [ "$(field .state) $(field '.sets | length')" = "manual 0" ]
check "it says why: $(field .note)" \
  [ "$(field .note)" = "This network (wlan0) sets the clock only when you press the button." ]
check "unreliable: a check every minute (exchanges after 1, 2, 3 min: $(field '.per_minute | join(" ")'))" \
  [ "$(field '.per_minute | join(" ")')" = "8 16 24" ]
check "its button sets the clock ($(field .button.result), reason $(field .button.reason))" \
  [ "$(field .button.result)/$(field .button.reason)" = set/none ]

# --- The page on lo: the Pi reliable, set automatically, the hourly check.
recheck auto http://127.0.0.1:8128/ --hour
check "on lo it acts by itself ($(field .state)), no button-only line" \
  [ "$(field .state) $(field .note)" = "verified null" ]
check "reliable: no check at 59 min ($(field .after_59_min) exchanges), one at 60 ($(field .after_60_min))" \
  [ "$(field .after_59_min) $(field .after_60_min)" = "0 8" ]
check "...which verified again (POST /set reasons: $(field '.sets | join(" ")'))" \
  [ "$(field '.sets | join(" ")')" = "none none" ]
finish
