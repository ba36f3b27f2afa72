#!/usr/bin/env bash
# Which upstream servers sntpd counts (chrony's reach register and minsources):
# of two servers, one silent from the start, the other makes the first
# correction alone; one that goes silent after the sync is dropped from the
# count after 8 polls without a reply while the other is still followed, and
# counts again when it answers; two that disagree by an hour give no
# correction; with --min-sources 2 (here from sntpd.conf) and one silent, none
# either, and `sntpd status` says why.  Every sntpd runs on a simulated clock
# 20 s behind (the machine's is never touched), polling every second
# (--max-poll 0) so that 8 polls take seconds, not hours.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

A=127.0.0.1:12201       # a chronyd serving the right time
B=127.0.0.1:12202       # another, stopped and started again below
HOUR=127.0.0.1:12203    # a chronyd an hour ahead
SILENT=127.0.0.1:12209  # nothing listens: a router whose NTP is off
chronyd_server a 12201 -- "${CHRONY_SERVES[@]}"
chronyd_server b 12202 -- "${CHRONY_SERVES[@]}"
b_pid=$LAST_PID
chronyd_server hour 12203 faketime -f "+3600s" -- "${CHRONY_SERVES[@]}"
for server in "$A" "$B" "$HOUR"; do wait_for_ntp "$server"; done

# follower NAME PORT ARGS...: an sntpd on the simulated clock, 20 s behind, serving 127.0.0.1:PORT.
follower() {
  local name=$1 port=$2
  shift 2
  start_sntpd "$name" --listen "127.0.0.1:$port" --clock simulated --simulated-offset -20 --max-poll 0 \
    --state "$WORK/$name-state.json" --drift-file "" "$@"
}
status() { "$BIN/sntpd" status --json --control "$WORK/$1.sock" 2>/dev/null; }
# upstream NAME SERVER FIELD: one field of one server in NAME's status.
upstream() { status "$1" | jq -r --arg s "$2" ".upstreams[] | select(.server == \$s) | .$3"; }
selection() { status "$1" | jq -r ".selection.$2 // empty"; }
simulated_offset() { status "$1" | jq -r .clock.simulated_offset_s; }
# check_log DESCRIPTION NAME PATTERN: waits for PATTERN in NAME's log (wait_for_log says when it does not come).
check_log() { if wait_for_log "$2" "$3"; then pass "$1"; fi; }
served_leap() { "$BIN/ntpprobe" -o json -n 1 "$1" 2>/dev/null | jq -r .leap || true; }

# --- One silent from the start: the first correction comes from the other.
follower first 12211 --upstream "$SILENT" --upstream "$A"
check_log "silent from the start: the first correction comes from the other ($A)" first \
  "following upstream $A"
check "...a step of about 20 s" grep -qE "stepped the clock by \+(19|20)\.[0-9]+ s \(upstream $A\)" "$WORK/first.log"
wait_for_state 127.0.0.1:12211 "11 127.0.0.1" "$DEADLINE_S" >/dev/null
run_capture out "$BIN/ntpprobe" -o json 127.0.0.1:12211
check_offset "...and serves the corrected time" "$out" 0
check_log "...the silent one is logged, after its first 8 polls" first \
  "upstream $SILENT ($SILENT): no usable reply to its first 8 polls"
check "...status: the silent one unreachable, since a time given" \
  eval '[ "$(upstream first "$SILENT" reachable)" = false ] &&
        [ -n "$(upstream first "$SILENT" reachable_since_unix | grep -v null)" ]'
check "...status: the other reachable, the system peer" \
  eval '[ "$(upstream first "$A" reachable)" = true ] && [ "$(upstream first "$A" state)" = sys_peer ]'
check "...status: 1 reachable, 1 agreeing, no problem" \
  eval '[ "$(selection first reachable)" = 1 ] && [ "$(selection first agreeing)" = 1 ] &&
        [ -z "$(selection first problem)" ]'
run_capture text "$BIN/sntpd" status --control "$WORK/first.sock"
check "...status text: unreachable since, and the selection" \
  eval 'grep -qE "^  unreachable    : since 20[0-9]{2}-" <<<"$text" &&
        grep -q "^Selection        : 1 reachable, 1 agreeing, --min-sources 1: following" <<<"$text"'

# --- One silent after the sync: left out after 8 polls, the other still followed; back when it answers.
follower after 12212 --upstream "$A" --upstream "$B"
check_log "two answering: the first correction" after "following upstream"
check "...both reachable and agreeing" wait_until "$DEADLINE_S" eval '[ "$(selection after agreeing)" = 2 ]'
kill "$b_pid"
wait "$b_pid" 2>/dev/null || true
check_log "$B stopped: unreachable after 8 polls without a reply, logged" after \
  "upstream $B ($B): unreachable, no usable reply to its last 8 polls"
check "...status: $B unreachable, 1 reachable server" \
  wait_until "$DEADLINE_S" eval '[ "$(upstream after "$B" reachable)" = false ] &&
                                 [ "$(selection after reachable)" = 1 ]'
since=$(upstream after "$B" reachable_since_unix)
# Still followed: a correction recorded after the silent one left the count.
# later T S: T > S, as decimals.
later() { awk -v t="$1" -v s="$2" 'BEGIN { exit !(t != "" && t > s) }'; }
corrected_after() { later "$(jq -r .last_sync_unix "$WORK/after-state.json" 2>/dev/null)" "$since"; }
check "...$A still followed: a correction recorded after $B became unreachable" \
  wait_until "$DEADLINE_S" corrected_after
check "...$A the system peer, no problem" \
  eval '[ "$(upstream after "$A" state)" = sys_peer ] && [ -z "$(selection after problem)" ]'
chronyd_server b 12202 -- "${CHRONY_SERVES[@]}"
wait_for_ntp "$B"
check_log "$B started again: reachable again, logged" after "upstream $B ($B): reachable again"
check "...counted and agreeing again" \
  wait_until "$DEADLINE_S" eval '[ "$(selection after reachable)" = 2 ] && [ "$(selection after agreeing)" = 2 ]'
check "...reachable since a later time" later "$(upstream after "$B" reachable_since_unix)" "$since"

# --- Two reachable servers an hour apart: no correction.
follower apart 12213 --upstream "$A" --upstream "$HOUR"
check "an hour apart: status says they disagree" \
  wait_until "$DEADLINE_S" eval '[ "$(selection apart problem)" = "no majority: the 2 servers compared disagree" ]'
check "...both reachable" eval '[ "$(selection apart reachable)" = 2 ] && [ "$(selection apart agreeing)" = 0 ]'
check "...no correction: the clock is still 20 s behind" near "$(simulated_offset apart)" -20 0
check "...nothing logged as followed" eval '! grep -qE "following upstream|stepped the clock" "$WORK/apart.log"'
check "...served unsynchronized (LI=3)" [ "$(served_leap 127.0.0.1:12213)" = 3 ]

# --- min-sources 2 in sntpd.conf, one silent: no correction, and status says why.
printf 'min-sources 2\nupstream %s %s\n' "$SILENT" "$A" >"$WORK/min.conf"
follower min 12214 -c "$WORK/min.conf"
why="1 reachable server agrees, fewer than --min-sources 2"
check "--min-sources 2 with one silent: status says why there is no correction" \
  wait_until "$DEADLINE_S" eval '[ "$(selection min problem)" = "$why" ]'
check "...$A waits for --min-sources" [ "$(upstream min "$A" state)" = "waiting for --min-sources" ]
run_capture text "$BIN/sntpd" status --control "$WORK/min.sock"
check "...status text: the reason" \
  grep -qF "Selection        : 1 reachable, 1 agreeing, --min-sources 2: no correction, $why" <<<"$text"
check "...no correction: the clock is still 20 s behind" near "$(simulated_offset min)" -20 0
check "...nothing logged as followed" eval '! grep -qE "following upstream|stepped the clock" "$WORK/min.log"'

# --- Bad values: one line naming the option (or the file's line), exit 2.
expect_message 2 "--min-sources 0" "--min-sources" "$BIN/sntpd" --min-sources 0 --listen 127.0.0.1:12219
expect_message 2 "--max-poll 11" "--max-poll" "$BIN/sntpd" --max-poll 11 --listen 127.0.0.1:12219
printf 'min-sources x\n' >"$WORK/bad.conf"
expect_message 2 "min-sources x in sntpd.conf" "$WORK/bad.conf:1" "$BIN/sntpd" -c "$WORK/bad.conf" \
  --listen 127.0.0.1:12219

finish
