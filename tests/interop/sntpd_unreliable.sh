#!/usr/bin/env bash
# The activity log says when the Pi's time became unreliable, when no phone
# came for --no-client-after while it was, and when a phone came back: an
# sntpd on a simulated clock 5 s behind, reliable at start from a phone's
# fresh record, --max-age 15 s (fresh at start even on a loaded machine) and
# --no-client-after 3 s; the record expires
# (became_unreliable), 3 s pass (no_client), curl sets the clock as a phone
# (client_back, then the phone_set line).  An sntpd that starts without a
# reference counts the span from its start.  Without a phone interface
# (--http-set-allow), sntpd writes no activity log, as before.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

events() { jq -r .event "$WORK/$1-activity.log" 2>/dev/null | paste -sd ' '; }
has_events() { [ "$(events "$1")" = "$2" ]; }
# starts_with_events NAME LIST: the log begins with LIST (the record a phone made
# may expire again, --max-age after it, before the check on a slow machine).
starts_with_events() { [[ "$(events "$1") " == "$2 "* ]]; }
line() { jq -c "select(.event == \"$2\")" "$WORK/$1-activity.log"; }

# --- Reliable at start (a phone's record, on the simulated clock, made now), then expired.
printf '{"last_sync_unix":%s,"source":"phone","offset_s":0,"uncertainty_s":0.01,%s}\n' \
  "$(awk -v n="$(date +%s.%N)" 'BEGIN { printf "%.3f", n - 5 }')" "$(boot_fields 0)" >"$WORK/pi-state.json"
start_sntpd pi --listen 127.0.0.1:11131 --clock simulated --simulated-offset -5 --http 127.0.0.1:8131 \
  --http-set-allow 127.0.0.1/32 --state "$WORK/pi-state.json" --activity-log "$WORK/pi-activity.log" \
  --max-age 15 --no-client-after 3
wait_for_log pi "http: serving on 127.0.0.1:8131"
check "the record expires: became_unreliable" wait_until "$DEADLINE_S" starts_with_events pi became_unreliable
became=$(line pi became_unreliable)
check "...saying why: $(json detail "$became")" grep -q "more than the 15 s allowed" <<<"$(json detail "$became")"
check "...and what it means: $(json message "$became")" grep -q "no longer reliable" <<<"$(json message "$became")"
check "3 s without a phone: no_client" wait_until "$DEADLINE_S" has_events pi "became_unreliable no_client"
none=$(line pi no_client)
check "...$(json message "$none")" eval '[ "$(json message "$none")" = "No phone has set or verified the clock for 3 s while the Pi'"'"'s time is unreliable." ]'
check "...with the time on the served clock, in the phone lines' style" \
  jq_true '(.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z$")) and .without_phone_s >= 3' <<<"$none"
curl_set 127.0.0.1:8131
check "a phone sets the clock ($(json result "$set"), step $(json offset_s "$set") s +- $(json uncertainty_s "$set") s)" \
  set_within 5
check "the activity log: became_unreliable, no_client, client_back, phone_set ($(events pi))" \
  starts_with_events pi "became_unreliable no_client client_back phone_set"
check "...client_back: $(json message "$(line pi client_back)")" \
  jq_true '.without_phone_s >= 3 and (.message | startswith("A phone set or verified the clock again, after "))' \
  <<<"$(line pi client_back)"
check "sntpd logged the lines too" grep -q "activity: No phone has set or verified the clock" "$WORK/pi.log"

# --- Unreliable from the start: the span counts from it, and no became_unreliable line.
start_sntpd cold --listen 127.0.0.1:11132 --clock simulated --http 127.0.0.1:8132 \
  --http-set-allow 127.0.0.1/32 --state "$WORK/cold-state.json" --activity-log "$WORK/cold-activity.log" \
  --max-age 3 --no-client-after 2
check "started unreliable: no_client after 2 s" wait_until "$DEADLINE_S" has_events cold no_client
check "...since sntpd started" grep -q "(since sntpd started)" <<<"$(json message "$(line cold no_client)")"

# --- No phone interface: no activity log, as before.
start_sntpd plain --listen 127.0.0.1:11133 --clock simulated --http 127.0.0.1:8133 \
  --state "$WORK/plain-state.json" --activity-log "$WORK/plain-activity.log" --max-age 1 --no-client-after 1
wait_for_log plain "http: serving on 127.0.0.1:8133"
sleep 3  # time passing is the point: with --max-age 1 and --no-client-after 1, lines would be due by now
check "without --http-set-allow: no activity log" [ ! -e "$WORK/plain-activity.log" ]

# --- Usage errors.
expect_exit 2 "--no-client-after 0" "$BIN/sntpd" --user root --control "$WORK/err.sock" --listen 127.0.0.1:0 \
  --no-client-after 0
expect_exit 2 "--no-client-after with a bad unit" "$BIN/sntpd" --user root --control "$WORK/err.sock" \
  --listen 127.0.0.1:0 --no-client-after 3x
finish
