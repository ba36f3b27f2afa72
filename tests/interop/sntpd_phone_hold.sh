#!/usr/bin/env bash
# One phone at a time: the first phone whose set is taken holds the Pi's clock; another phone
# 1.2 s apart is refused other_phone and the clock does not move; one that agrees verifies and the
# hold stays; the button overrides the hold (logged); when the holder stops checking in for
# --max-age (60 s here), the hold passes on.  One sntpd on a simulated clock 5 s behind; two phones
# (tests/support/phone_set.py) from 127.0.0.1 and 127.0.0.2 in this test's network namespace, the
# second's clock 1.2 s ahead where it says so (and phone A's 2.4 s ahead while B holds: a time
# before the record B made would be refused before_record first).
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

start_sntpd pi --listen 127.0.0.1:11134 --clock simulated --simulated-offset -5 --http 127.0.0.1:8134 \
  --http-set-allow 127.0.0.0/8 --state "$WORK/pi-state.json" --activity-log "$WORK/pi-activity.log" \
  --max-age 60
wait_for_log pi "http: serving on 127.0.0.1:8134"

# phone ADDRESS OFFSET_MS [EXTRA_JSON_FIELDS]: a set from the phone at ADDRESS whose clock is
# OFFSET_MS ahead of this machine's.
phone() { PHONE_SOURCE=$1 phone_set http://127.0.0.1:8134 "" "" "${3:-}" --offset-ms "$2"; }
holder() { curl -s http://127.0.0.1:8134/time | jq -r '.held_by.client // "none"'; }
offset() { "$BIN/sntpd" status --json --control "$WORK/pi.sock" | jq -r .clock.simulated_offset_s; }

check "before any phone: no holder" [ "$(holder)" = none ]
phone 127.0.0.1 0 '"trigger":"auto"'
check "phone A sets the clock ($(json result "$set"))" [ "$(json result "$set")" = set ]
check "...and holds it ($(holder))" [ "$(holder)" = 127.0.0.1 ]
check "GET /time names its browser" \
  [ "$(curl -s http://127.0.0.1:8134/time | jq -r .held_by.user_agent)" = phone_set.py ]
wait_for_log pi "phone 127.0.0.1 now holds the clock"

before=$(offset)
record=$(cat "$WORK/pi-state.json")
phone 127.0.0.2 1200 '"trigger":"auto"'
check "phone B, 1.2 s apart: $set_code $(json reason "$set")" [ "$set_code $(json reason "$set")" = "409 other_phone" ]
check "...its message names the holder and the gap: $(json message "$set")" \
  grep -q "another phone holds this clock (127.0.0.1, phone_set.py), and this phone is +1\.[12][0-9]* s from it" <<<"$(json message "$set")"
check "...the clock did not move ($before, then $(offset))" [ "$(offset)" = "$before" ]
check "...nor its sync-state record, which camsync.path watches" [ "$(cat "$WORK/pi-state.json")" = "$record" ]
check "...and the activity log has the refusal" \
  jq -se 'map(select(.event == "phone_set" and .reason == "other_phone")) | length == 1' "$WORK/pi-activity.log"

phone 127.0.0.2 0 '"trigger":"auto"'
check "phone B agreeing: verified ($(json result "$set"))" [ "$(json result "$set")" = verified ]
check "...the hold stays with A ($(holder))" [ "$(holder)" = 127.0.0.1 ]

phone 127.0.0.1 0 '"trigger":"auto"'  # A checks in: its hold is current whatever the load
check "phone A checks in: verified ($(json result "$set"))" [ "$(json result "$set")" = verified ]
phone 127.0.0.2 1200 '"trigger":"button"'
check "phone B's button, 1.2 s apart, overrides: $(json result "$set") $(json offset_s "$set") s" \
  [ "$(json result "$set")" = set ]
check "...B holds the clock now ($(holder))" [ "$(holder)" = 127.0.0.2 ]
wait_for_log pi "phone 127.0.0.2 took the clock's hold from phone 127.0.0.1 by the button"

phone 127.0.0.1 2400 '"trigger":"auto"'
check "phone A, 1.2 s from B, while B holds: refused other_phone ($(json reason "$set"))" [ "$(json reason "$set")" = other_phone ]
check "B stops checking in: after --max-age the hold lapses" wait_until 120 eval '[ "$(holder)" = none ]'
phone 127.0.0.1 0 '"trigger":"auto"'
check "then phone A sets the clock again ($(json result "$set"))" [ "$(json result "$set")" = set ]
check "...and holds it ($(holder))" [ "$(holder)" = 127.0.0.1 ]
finish
