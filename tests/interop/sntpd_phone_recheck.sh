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
# sets the clock.  Then on lo, the Pi now reliable for --max-age (30 min), the page verifies by
# itself and measures again halfway through that (GET /time's check_in_s: none at 14 min, one check
# at 15).  Last, a second sntpd with --max-age 30 s and the page left open in real time: it sets
# the clock, then verifies every 15 s, and the Pi never becomes unreliable over more than two
# windows (no became_unreliable in the activity log).
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
  REPORT=$(timeout "${RECHECK_TIMEOUT_S:-100}" node "$REPO/tests/browser/recheck.mjs" "$url" "$OUT/$name.png" \
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

# --- The page on lo: the Pi reliable, set automatically, checked again halfway through the window.
# Another phone, as far as sntpd can tell: the page above holds the clock (sntpd_phone_hold.sh),
# and its moved clock is off by more than the two uncertainties.  sntpd restarted (its clock where
# the button set it, its record kept) holds for no phone.
kill "$LAST_PID" && wait "$LAST_PID" 2>/dev/null || true
start_sntpd pi --listen 127.0.0.1:11128 --clock simulated --http 0.0.0.0:8128 \
  --http-set-interface lo --http-manual-interface wlan0 --state "$WORK/pi-state.json" --activity-log ""
wait_for_log pi "http: serving on 0.0.0.0:8128"
recheck auto http://127.0.0.1:8128/ --idle 15
check "on lo it acts by itself ($(field .state)), no button-only line" \
  [ "$(field .state) $(field .note)" = "verified null" ]
check "reliable for 30 min: no check at 14 min ($(field .before_idle) exchanges), one at 15 ($(field .after_idle))" \
  [ "$(field .before_idle) $(field .after_idle)" = "0 8" ]
check "...which verified again (POST /set reasons: $(field '.sets | join(" ")'))" \
  [ "$(field '.sets | join(" ")')" = "none none" ]

# --- A phone that stays keeps the Pi reliable: --max-age 30 s, so each verification is due 15 s
# after the last; the page open in real time until it has set the clock and verified it 5 times.
start_sntpd stay --listen 127.0.0.1:11129 --clock simulated --simulated-offset -5 --http 127.0.0.1:8129 \
  --http-set-allow 127.0.0.1/32 --state "$WORK/stay-state.json" --activity-log "$WORK/stay-activity.log" \
  --max-age 30
wait_for_log stay "http: serving on 127.0.0.1:8129"
check "GET /time while unreliable: check_in_s 60" [ "$(curl -s http://127.0.0.1:8129/time | jq -r .check_in_s)" = 60 ]
RECHECK_TIMEOUT_S=400 recheck stay http://127.0.0.1:8129/ --sets 6
results=$(jq -r 'select(.event == "phone_set") | .result' "$WORK/stay-activity.log" | paste -sd ' ')
check "the page set the clock, then verified it 5 times ($results)" \
  [ "$results" = "set verified verified verified verified verified" ]
check "...over more than two 30 s windows ($(jq -rs '(.[-1].time | sub("\\..*"; "Z") | fromdate) - (.[0].time | sub("\\..*"; "Z") | fromdate)' "$WORK/stay-activity.log") s)" \
  jq -se '((.[-1].time | sub("\\..*"; "Z") | fromdate) - (.[0].time | sub("\\..*"; "Z") | fromdate)) > 60' "$WORK/stay-activity.log"
check "...and the Pi never became unreliable (events: $(jq -r .event "$WORK/stay-activity.log" | sort | uniq -c | paste -sd ' '))" \
  [ "$(jq -r .event "$WORK/stay-activity.log" | grep -c became_unreliable)" = 0 ]
check "GET /time at the end: synchronized, source phone" \
  [ "$(curl -s http://127.0.0.1:8129/time | jq -r '"\(.synchronized) \(.source)"')" = "true phone" ]
finish
