#!/usr/bin/env bash
# The drift file and what `sntpd status` shows of the clock, as chronyc
# tracking and clients do: a restarted sntpd restores the frequency it had
# learnt (here on its simulated clock: the machine's is never touched) and
# saves it again at stop; a drift file with garbage is one warning naming it,
# kept aside, and sntpd serves on; `sntpd status --clients` lists who asked.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

start_sntpd upstream --listen 127.0.0.1:11410 --local-stratum 9
wait_for_ntp 127.0.0.1:11410
follow=(--listen 127.0.0.1:11411 --clock simulated --upstream 127.0.0.1:11410 --drift-file "$WORK/drift"
  --state "$WORK/state.json" --temperature none)

# --- sntpd status --wait (sntpd-wait.service's): a daemon serving only its local clock
# (--local-stratum: synchronized, but no reference) is not waited for past the time given, and
# says so; the follower is, until its first update.
start_sntpd lonely --listen 127.0.0.1:11412 --clock simulated --local-stratum 10
wait_for_log lonely "listening on"
run_capture lonely "$BIN/sntpd" status --wait 2 --control "$WORK/lonely.sock"
check "status --wait 2 with only the local clock: exit 3, one line saying why" \
  eval '[ "$RC" -eq 3 ] && [ "$(wc -l <"$WORK/last.err")" -eq 1 ] &&
    grep -q "^sntpd: error: not synchronized after 2 s: it serves only its local clock (--local-stratum), no reference$" "$WORK/last.err"'
kill -TERM "$LAST_PID"
wait "$LAST_PID" 2>/dev/null || true

echo "12.5" >"$WORK/drift"
start_sntpd follower "${follow[@]}"
wait_for_log follower "clock frequency +12.500 ppm, restored from $WORK/drift"
run_capture st "$BIN/sntpd" status --json --control "$WORK/follower.sock"
check "the frequency is restored into the clock ($(jq .clock.frequency_ppm <<<"$st") ppm)" \
  [ "$(jq .clock.frequency_ppm <<<"$st")" = 12.5 ]
run_capture waited "$BIN/sntpd" status --wait 60 --json --control "$WORK/follower.sock"
check "status --wait 60 after the start: exit 0 once the upstream synchronized it ($(jq -c '.reference | {synchronized, source, stratum}' <<<"$waited" 2>/dev/null))" \
  eval '[ "$RC" -eq 0 ] && [ "$(jq -r .reference.synchronized <<<"$waited")" = true ] &&
    [ "$(jq -r .reference.source <<<"$waited")" = upstream ]'
wait_for_state 127.0.0.1:11411 "10 127.0.0.1" 15 >/dev/null  # 3 samples first: about 4 s
run_capture human "$BIN/sntpd" status --control "$WORK/follower.sock"
# Followed now: the frequency is the discipline's, from 12.5 ppm (restored,
# known to about 10 ppm) towards what the upstream shows (0: the same clock).
check "status: Frequency as chronyc tracking says it" grep -qE "^Frequency        : [0-9.]+ ppm (fast|slow)" <<<"$human"
check "status: Leap status" grep -q "^Leap status      : normal" <<<"$human"
check "status: Reference time" grep -qE "^Reference time   : 20[0-9]{2}-[0-9]{2}-[0-9]{2}T" <<<"$human"
check "status: System time offset" grep -qE "^System time      : [0-9.]+ s (slow|fast) of the reference" <<<"$human"
check "status: the offset's error, the skew and the update interval, as chronyc tracking" \
  eval 'grep -qE "^Offset error     : [0-9.]+ s$" <<<"$human" && grep -qE "^Skew             : [0-9.]+ ppm$" <<<"$human" &&
    grep -qE "^Update interval  : (64|128|256|512|1024) s$" <<<"$human"'

# --- Who asked: four requests from ntpprobe.
"$BIN/ntpprobe" -n 4 127.0.0.1:11411 >/dev/null || true
run_capture clients "$BIN/sntpd" status --clients --json --control "$WORK/follower.sock"
check "status --clients: 127.0.0.1 with its requests ($(jq -c .clients <<<"$clients"))" \
  [ "$(jq -r '.clients[] | select(.address == "127.0.0.1") | .requests' <<<"$clients")" -ge 4 ]
run_capture table "$BIN/sntpd" status --clients --control "$WORK/follower.sock"
check "status --clients: a table" eval 'head -n 1 <<<"$table" | grep -q "^Address .*Requests.*Last seen" &&
  grep -qE "^127\.0\.0\.1 +[0-9]+ +no +[0-9]+ (ms|s) ago" <<<"$table"'

# --- Saved at stop (atomically: a new file replaces the old one).
inode=$(stat -c %i "$WORK/drift")
kill -TERM "$LAST_PID"
wait "$LAST_PID" 2>/dev/null || true
check "saved at stop, learnt from 12.5 ppm towards 0 ($(cat "$WORK/drift"))" \
  awk '{ exit !($1 <= 12.5 && $1 > -1) }' "$WORK/drift"
check "...by replacing the file" [ "$(stat -c %i "$WORK/drift")" != "$inode" ]

# --- The day's frequency (no sensor here: --temperature none) is saved beside the drift file,
# on the real-time clock, and a restart takes it back at its first update.
check "the day's frequency saved beside it ($(tail -n 1 "$WORK/drift.shape"))" \
  awk -v now="$(date +%s)" '!/^#/ { n++; if (!($1 > now - 600 && $1 <= now + 1 && $3 >= 1)) bad = 1 }
    END { exit !(n >= 1 && !bad) }' "$WORK/drift.shape"
start_sntpd shape "${follow[@]}"
wait_for_log shape "the day's frequency restored: 1 bin from before the start"
check "...and restored at the first update" grep -q "the day's frequency read from $WORK/drift.shape (1 bin)" "$WORK/shape.log"
kill -TERM "$LAST_PID"
wait "$LAST_PID" 2>/dev/null || true
echo "x" >>"$WORK/drift.shape"
start_sntpd badshape "${follow[@]}"
wait_for_log badshape "reference: upstream 127.0.0.1:11410"  # an update, not the state file's reference
check "a bad shape file: one warning naming the file and line, and sntpd follows on" \
  eval 'grep -q "warning: --drift-file: $WORK/drift.shape:3: not .UNIX_S PPM COUNT.: .x.; the day.s frequency is learnt anew" "$WORK/badshape.log" &&
        kill -0 "$LAST_PID"'
kill -TERM "$LAST_PID"
wait "$LAST_PID" 2>/dev/null || true
check "...and the next save replaces it" eval '! grep -q "^x" "$WORK/drift.shape"'
rm -f "$WORK/drift.shape"

# --- Garbage: a warning naming file and line; the file is kept aside; sntpd serves.
echo "not a number" >"$WORK/drift"
start_sntpd garbage "${follow[@]}"
wait_for_log garbage "listening on"
wait_for_state 127.0.0.1:11411 "10 127.0.0.1" 15 >/dev/null  # 3 samples first: about 4 s
check "garbage: one warning naming the file and line" \
  eval '[ "$(grep -c "drift" "$WORK/garbage.log")" = 1 ] &&
        grep -q "warning: --drift-file: $WORK/drift:1: not a frequency in ppm: .not a number.; kept as $WORK/drift.bad" "$WORK/garbage.log"'
check "...nothing lost: the bad file is kept" grep -q "not a number" "$WORK/drift.bad"
check "...and the clock still follows its upstream" kill -0 "$LAST_PID"
kill -TERM "$LAST_PID"
wait "$LAST_PID" 2>/dev/null || true

# --- Without clock control there is nothing to learn: the file is left alone.
echo "7.0" >"$WORK/drift"
start_sntpd passive "${follow[@]}" --no-clock-control
wait_for_state 127.0.0.1:11411 "10 127.0.0.1" 15 >/dev/null  # 3 samples first: about 4 s
kill -TERM "$LAST_PID"
wait "$LAST_PID" 2>/dev/null || true
check "--no-clock-control: the drift file is neither restored nor written" \
  eval '[ "$(cat "$WORK/drift")" = 7.0 ] && ! grep -q "restored" "$WORK/passive.log"'
finish
