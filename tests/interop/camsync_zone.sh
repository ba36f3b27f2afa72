#!/usr/bin/env bash
# camsync --time-zone and the camera-state file, against the camera emulator
# on loopback, this machine's TZ being UTC: the zone a phone recorded in the
# sync-state file (--time-zone state) reaches the camera as CCAPI wants it,
# standard offset + dst flag, in two southern-hemisphere zones (Sydney and
# Santiago, in their summer from October to March), checked with GNU date and
# not our own codec; --time-zone NAME does the same; an unknown zone is
# refused in one line and the camera is not even contacted.  After set, ok,
# refused and failed runs the camera-state file says so, whole (replaced
# atomically), a failure in a few plain words and, with --retry-interval, when
# the next run is due.  This machine's clock is only read.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

CS=$WORK/camera-state.json
URL=http://127.0.0.1:8080
# phone_state AGE_S [ZONE]: the sync-state file of a phone's verification AGE_S ago, recording ZONE.
phone_state() {
  printf '{"last_sync_unix":%s,"source":"phone","offset_s":0.004,"action":"verified",%s%s}\n' \
    "$(awk -v now="$(date +%s.%N)" -v age="$1" 'BEGIN { printf "%.3f", now - age }')" \
    "${2:+\"time_zone\":\"$2\",}" "$(boot_fields "$1")" >"$WORK/state.json"
}
cs() { jq -r "$1" "$CS"; }
put_count() { json puts "$(emulator_status 8080)"; }
C0=(env TZ=UTC "$BIN/camsync" --reference state --state "$WORK/state.json" --no-log --json)
C=("${C0[@]}" --camera-state "$CS")

camera_emulator cam 8080 --offset -3 --zone +0000

# --- The phone's zone, recorded in the sync-state file.
for tz in Australia/Sydney America/Santiago; do
  phone_state 60 "$tz"
  curl -s -X POST -d '{"offset_s":-3}' "$URL/emulator/state" >/dev/null
  t0=$(date +%s)
  run_capture out "${C[@]}" --time-zone state --camera "$URL"
  t1=$(date +%s)
  read -r std want_dst <<<"$(ccapi_zone "$tz")"
  put=$(json last_put "$(emulator_status 8080)")
  sent=$(jq -r .datetime <<<"$put")
  dst=$(jq -r .dst <<<"$put")
  check "$tz (TZ=UTC): exit 0, set, zone $(json time_zone "$out")" \
    [ "$RC $(json action "$out") $(json time_zone "$out")" = "0 set $tz" ]
  check "$tz: the emulator received the standard offset $std ($sent)" [ "${sent: -5}" = "$std" ]
  check "$tz: ...and dst=$want_dst" [ "$dst" = "$want_dst" ]
  utc=$(ccapi_utc "$sent" "$dst")
  check "$tz: string + dst is the UTC time of the PUT (GNU date), during camsync's run ($t0 to $t1)" \
    [ "$utc" -ge $((t0 - 1)) -a "$utc" -le $((t1 + 1)) ]
  check_camera "$tz: the camera where camsync says it set it" "$out" 8080
  check "$tz: camera-state: set, before -3 s ($(cs .offset_before_s) +- $(json uncertainty_s "$out")), after as measured ($(cs .offset_after_s))" \
    eval '[ "$(cs .result)" = set ] && near "$(cs .offset_before_s)" -3 "$(sum "$(json uncertainty_s "$out")" 0.001)" &&
      near "$(cs .offset_after_s)" "$(json offset_after_s "$out")" 0.000001'
  check "$tz: camera-state: message '$(cs .message)'" grep -qF "camera set to $sent" "$CS"
done
check "the camera-state file is one line, no temporary file beside it" \
  eval '[ "$(wc -l <"$CS")" -eq 1 ] && [ "$(ls "$WORK" | grep -c "^camera-state")" -eq 1 ]'

# --- Already right: ok, left alone.
puts=$(put_count)
run_capture out "${C[@]}" --time-zone state --camera "$URL"
check "already right: exit 0, action none" [ "$RC $(json action "$out")" = "0 none" ]
check "already right: camera-state ok, no offset after, the offset measured ($(cs .message))" \
  eval '[ "$(cs .result) $(cs .offset_after_s)" = "ok null" ] && near "$(cs .offset_before_s)" "$(json offset_s "$out")" 0.000001'
check_camera "already right: the camera where camsync found it" "$out" 8080
check "already right: no PUT" [ "$(put_count)" = "$puts" ]

# --- --time-zone NAME, and a sync-state file without a zone.
curl -s -X POST -d '{"offset_s":-3}' "$URL/emulator/state" >/dev/null
phone_state 60
run_capture out "${C[@]}" --time-zone Australia/Adelaide --camera "$URL"
read -r std want_dst <<<"$(ccapi_zone Australia/Adelaide)"
put=$(json last_put "$(emulator_status 8080)")
check "--time-zone Australia/Adelaide: $(jq -r .datetime <<<"$put") dst $(jq -r .dst <<<"$put")" \
  [ "$RC $(jq -r .datetime <<<"$put" | tail -c 6) $(jq -r .dst <<<"$put")" = "0 $std $want_dst" ]
run_capture out "${C[@]}" --time-zone state --camera "$URL"
put=$(json last_put "$(emulator_status 8080)")
check "no zone recorded: this machine's (TZ=UTC): +0000 dst false" \
  [ "$RC $(jq -r .time_zone <<<"$out") $(jq -r .datetime <<<"$put" | tail -c 6) $(jq -r .dst <<<"$put")" = "0 null +0000 false" ]

# --- Unknown zones: refused in one line, the camera untouched (not even read).
requests=$(json requests "$(emulator_status 8080)")
phone_state 60 Mars/Olympus
run_capture out "${C[@]}" --time-zone state --camera "$URL"
check "unknown zone in the state file: exit 2, one line ($(cat "$WORK/last.err"))" \
  eval '[ "$RC" -eq 2 ] && [ "$(wc -l <"$WORK/last.err")" -eq 1 ]'
check "...naming the zone" grep -qF "the sync-state file's time_zone: unknown time zone 'Mars/Olympus'" "$WORK/last.err"
check "...camera-state refused, no camera" [ "$(cs .result) $(cs .camera)" = "refused null" ]
check "...its message names the zone" grep -qF "Mars/Olympus" "$CS"
run_capture out "${C[@]}" --time-zone Europe/Atlantis --camera "$URL"
check "--time-zone Europe/Atlantis: exit 2" [ "$RC" -eq 2 ]
check "...says so" grep -qF -- "--time-zone: unknown time zone 'Europe/Atlantis'" "$WORK/last.err"
check "...the camera was not contacted" [ "$(json requests "$(emulator_status 8080)")" = "$requests" ]

# --- Refused: this clock is not trustworthy (a record 2 h old).
phone_state 7200 Australia/Sydney
run_capture out "${C[@]}" --time-zone state --camera "$URL" --retry-interval 15min
check "stale clock: exit 3, camera-state refused ($(cs .message))" \
  eval '[ "$RC $(cs .result)" = "3 refused" ] && grep -q "not setting the camera: .*2 h 00 min ago" "$CS"'
check "...no retry time, --retry-interval or not (it waits for this clock's sync)" [ "$(cs 'has("retry_unix")')" = false ]

# --- Failed: the camera stays busy, or does not answer.
phone_state 60 Australia/Sydney
curl -s -X POST -d '{"busy":-1,"busy_message":"During shooting or recording"}' "$URL/emulator/state" >/dev/null
run_capture out "${C[@]}" --time-zone state --camera "$URL" --retries 0
check "busy camera: exit 5, camera-state failed, a short message ($(cs .message))" \
  [ "$RC $(cs .result) $(cs .camera) $(cs .message)" = "5 failed $URL camera busy (503)" ]
check "...the full reason on stderr" grep -qF "camera busy (reading the date, HTTP 503): During shooting or recording" "$WORK/last.err"
check "...no retry time without --retry-interval" [ "$(cs 'has("retry_unix")')" = false ]
run_capture out "${C[@]}" --time-zone state --camera "$URL" --retries 0 --retry-interval 15min
check "busy camera, --retry-interval 15min: retry_unix $(cs .retry_unix) = last run $(cs .last_run_unix) + 900 s" \
  eval '[ "$RC $(cs .result)" = "5 failed" ] && [ "$(cs .retry_unix)" = "$(cs "(.last_run_unix | floor) + 900")" ]'
curl -s -X POST -d '{"busy":0}' "$URL/emulator/state" >/dev/null
run_capture out "${C[@]}" --time-zone state --camera http://127.0.0.1:8099 --retry-interval 1h30m
check "no camera: exit 1, camera-state failed ($(cs .message))" \
  [ "$RC $(cs .result) $(cs .offset_before_s) $(cs .message)" = "1 failed null camera unreachable (connection refused)" ]
check "...the address on stderr" grep -qF "cannot connect to http://127.0.0.1:8099" "$WORK/last.err"
check "...--retry-interval 1h30m: retry_unix = last run + 5400 s" \
  [ "$(cs .retry_unix)" = "$(cs "(.last_run_unix | floor) + 5400")" ]
camera_emulator silent 8082 --hang
run_capture out timeout 20 "${C[@]}" --time-zone state --camera http://127.0.0.1:8082 --timeout 1
check "silent camera: exit 1, camera-state failed ($(cs .message))" \
  [ "$RC $(cs .result) $(cs .message)" = "1 failed camera unreachable (no reply)" ]
for bad in 0 15x -5m; do
  expect_exit 2 "--retry-interval $bad: usage error" "${C[@]}" --camera "$URL" --retry-interval "$bad"
done

# --- What does not write it: a dry run, --camera-state "", and an unwritable path (a warning).
cp "$CS" "$WORK/before.json"
run_capture out "${C[@]}" --camera "$URL" --dry-run
check "--dry-run: exit 0, the camera-state file unchanged" eval '[ "$RC" -eq 0 ] && cmp -s "$CS" "$WORK/before.json"'
run_capture out "${C0[@]}" --camera "$URL" --camera-state ""
check "--camera-state \"\": exit 0, unchanged" eval '[ "$RC" -eq 0 ] && cmp -s "$CS" "$WORK/before.json"'
run_capture out "${C0[@]}" --camera "$URL" --camera-state /proc/nonexistent/camera-state.json
check "unwritable camera-state: exit 0, a warning" \
  eval '[ "$RC" -eq 0 ] && grep -q "warning: camera state: cannot" "$WORK/last.err"'

finish
