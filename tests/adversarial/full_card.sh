#!/usr/bin/env bash
# A full SD card, and one the kernel remounted read-only after errors (issue 65): sntpd keeps
# its sync-state and drift files on a 64 KiB tmpfs (the card) and follows an upstream with a
# 1 s poll, recording each update.  With the card full, then read-only, it goes on serving
# synchronized time, says once (not at each update) why it cannot record the sync, naming the
# file and the reason, keeps the last good version of each file and leaves no temporary file
# on the card; once there is room again, or the card is writable again, the state file is
# written at the next update and sntpd says so.  The drift file, saved at stop, fails alike on
# a full card and keeps its value; the next run, with room, saves it.
# driftlog is not here: it writes its CSV to stdout only (a stdout it cannot write is one line
# and exit 1, driftlog(1)).
source "$(dirname "$0")/../interop/lib.sh"
enter_private_netns "$@"

CARD=$WORK/card
mkdir "$CARD"
mount -t tmpfs -o size=64k,mode=0755 lansync-card "$CARD"
trap 'umount -l "$CARD" 2>/dev/null || true; cleanup' EXIT  # cleanup's rm cannot remove a mount point

start_sntpd upstream --listen 127.0.0.1:11640 --local-stratum 9
wait_for_ntp 127.0.0.1:11640
echo 3.250 >"$CARD/drift"
follow=(--listen 127.0.0.1:11641 --clock simulated --upstream 127.0.0.1:11640 --max-poll 0
  --state "$CARD/state.json" --drift-file "$CARD/drift" --temperature none)
start_sntpd pi "${follow[@]}"
pi=$LAST_PID

served() { "$BIN/ntpprobe" -o json -n 1 -t 0.5 127.0.0.1:11641 2>/dev/null | jq -r '"\(.leap) \(.stratum)"'; }
synchronized() { [ "$(served)" = "0 10" ]; }
# recorded_after T: the state file parses, is sntpd's record of its upstream, made after T.
recorded_after() {
  jq -e --argjson t "$1" '.source == "ntp:127.0.0.1" and .action == "slew" and .last_sync_unix > $t and
    (.boot_id | length) == 36' "$CARD/state.json" >/dev/null 2>&1
}
recorded_at() { jq -r .last_sync_unix "$CARD/state.json"; }
# on_card: the files on the card, with no temporary file left behind.
on_card() { ls -A "$CARD" | tr '\n' ' '; }
# updates N [NAME]: until sntpd NAME (pi) has made N more updates (its reference time in
# `sntpd status` moves), at most DEADLINE_S; prints how many it saw.
updates() {
  local seen=0 last="" t
  for _ in $(seq $((DEADLINE_S * 5))); do
    t=$("$BIN/sntpd" status --json --control "$WORK/${2:-pi}.sock" 2>/dev/null | jq -r .reference.reference_time_unix) || t=""
    if [ -n "$t" ] && [ "$t" != null ] && [ "$t" != "$last" ]; then
      [ -n "$last" ] && seen=$((seen + 1))
      last=$t
    fi
    [ "$seen" -ge "$1" ] && break
    sleep 0.2
  done
  echo "$seen"
}
lines() { grep -c -- "$1" "$WORK/pi.log" || true; }
# fill: the card's last free blocks to the filler, until sntpd has warned MESSAGE (an update
# renaming its new file as the card filled freed the old one's block: taken at the next round).
fill() {
  dd if=/dev/zero of="$CARD/filler" bs=4k oflag=append conv=notrunc 2>/dev/null || true
  grep -qF -- "$1" "$WORK/pi.log"
}

# held DESC WORDS: six updates while the card refuses the state file (WORDS in the warning):
# sntpd goes on updating, warns once, serves synchronized time, and the file keeps its last
# good record.
held() {
  local desc=$1 words=$2 n
  cp "$CARD/state.json" "$WORK/state.before"
  n=$(updates 6)
  echo "      $desc: $n updates, $(lines "$words") warning(s) about the state file; card: $(on_card)"
  check "$desc: sntpd went on updating (6 updates seen: $n)" [ "$n" -ge 6 ]
  check "$desc: one warning, not one per update" [ "$(lines "$words")" -eq 1 ]
  check "$desc: still serving synchronized time ($(served))" synchronized
  check "$desc: the state file keeps its last good record" \
    eval 'cmp -s "$CARD/state.json" "$WORK/state.before" && recorded_after 0'
}

check "following the upstream: serving synchronized time (LI 0, stratum 10)" wait_until "$DEADLINE_S" synchronized
check "each update recorded in the state file on the card" wait_until "$DEADLINE_S" recorded_after 0

# --- The card full.
full="warning: cannot record the sync in the state file: cannot write $CARD/state.json: No space left on device"
check "card full: sntpd says it cannot record the sync, naming the file and the reason" \
  wait_until "$DEADLINE_S" fill "$full"
held "card full" 'cannot record'
check "card full: the drift file is untouched ($(cat "$CARD/drift"))" [ "$(cat "$CARD/drift")" = 3.250 ]
check "card full: no temporary file left on the card ($(on_card))" [ "$(on_card)" = "drift filler state.json " ]

# --- Room again.
before=$(recorded_at)
rm "$CARD/filler"
check "room again: the state file is written at the next update" wait_until "$DEADLINE_S" recorded_after "$before"
check "room again: sntpd says so, naming the file" \
  wait_for_log pi "the sync is recorded in the state file $CARD/state.json again"

# --- The card read-only, as the kernel remounts a card after errors (refused while sntpd has a
# file open for writing: tried again).
check "the card remounted read-only" wait_until 10 mount -o remount,ro "$CARD"
ro="warning: cannot record the sync in the state file: cannot create a temporary file next to $CARD/state.json: Read-only file system"
check "read-only: sntpd says it cannot record the sync, naming the file and the reason" wait_for_log pi "$ro"
held "read-only" 'Read-only file system'
before=$(recorded_at)
mount -o remount,rw "$CARD"
check "writable again: the state file is written at the next update" wait_until "$DEADLINE_S" recorded_after "$before"
check "writable again: sntpd says so" \
  eval '[ "$(lines "the sync is recorded in the state file $CARD/state.json again")" -eq 2 ]'
check "no other warning or error in the whole run" [ "$(grep -c 'warning:\|error:' "$WORK/pi.log")" -eq 2 ]

# --- The drift file, saved at stop, on a full card.
check "full again" wait_until "$DEADLINE_S" fill "$full"
kill -TERM "$pi"
reap "$pi"
check "stopped on a full card: sntpd exits 0 (exit $RC)" [ "$RC" -eq 0 ]
check "stopped on a full card: it says the drift file cannot be saved, naming it and the reason" \
  grep -qF "warning: --drift-file: cannot write $CARD/drift: No space left on device" "$WORK/pi.log"
check "stopped on a full card: the drift file keeps its value ($(cat "$CARD/drift"))" [ "$(cat "$CARD/drift")" = 3.250 ]
check "stopped on a full card: the state file still parses" recorded_after 0
check "stopped on a full card: no temporary file left ($(on_card))" [ "$(on_card)" = "drift filler state.json " ]

# --- Room again: the next run restores the drift and saves what it learnt at its stop.
rm "$CARD/filler"
before=$(recorded_at)
start_sntpd pi2 "${follow[@]}"
wait_for_log pi2 "clock frequency +3.250 ppm, restored from $CARD/drift"
check "the next run, with room, records its updates" wait_until "$DEADLINE_S" recorded_after "$before"
n=$(updates 3 pi2)
inode=$(stat -c %i "$CARD/drift")
kill -TERM "$LAST_PID"
reap "$LAST_PID"
check "...and at its stop ($n updates later) replaces the drift file with what it learnt ($(head -n 1 "$CARD/drift") ppm)" \
  eval '[ "$(stat -c %i "$CARD/drift")" != "$inode" ] &&
    awk "NR == 1 { exit !(\$1 > -500 && \$1 < 500) }" "$CARD/drift"'
check "...and writes the day's shape beside it" grep -qv "^#" "$CARD/drift.shape"
check "...with no warning, and no temporary file left ($(on_card))" \
  eval '! grep -q "warning:\|error:" "$WORK/pi2.log" && [ "$(on_card)" = "drift drift.shape state.json " ]'
finish
