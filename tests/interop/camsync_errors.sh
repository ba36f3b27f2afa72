#!/usr/bin/env bash
# camsync when it must not or cannot set the camera: an untrusted clock (stale
# or missing sync-state file) changes nothing and exits 3; a busy camera is
# retried, then gives up with the camera's message (exit 5); malformed and
# refused replies give a clear error (exit 6); no camera or a silent one exits
# 1; bad command lines exit 2.  Each error is one line on stderr and one JSON
# line in the activity log.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

sync_state "$WORK/fresh.json" 60
sync_state "$WORK/stale.json" 7200
LOG=$WORK/camsync.jsonl
C=("$BIN/camsync" --reference state --log "$LOG" --json --camera-state "$WORK/camera-state.json")
camera_emulator cam 8080 --offset -5

# An untrusted clock: nothing is touched, not even read.
run_capture out "${C[@]}" --state "$WORK/stale.json" --camera http://127.0.0.1:8080
check "stale state file: exit 3" [ "$RC" -eq 3 ]
check "stale state file: says why" grep -q "last set or verified 2 h 00 min ago by the [a-z]* clock (source ntp:127.0.0.1), more than the 30 min 00 s allowed" "$WORK/last.err"
check "stale state file: one line on stderr" [ "$(wc -l <"$WORK/last.err")" -eq 1 ]
check "stale state file: result untrusted in the log" [ "$(tail -n 1 "$LOG" | jq -r .result)" = untrusted ]
st=$(emulator_status 8080)
check "stale state file: the camera was not contacted" [ "$(json requests "$st")" = 0 ]
run_capture out "${C[@]}" --state "$WORK/missing.json" --camera http://127.0.0.1:8080
check "no state file: exit 3" [ "$RC" -eq 3 ]
check "no state file: says there is no record" grep -q "no record that the clock was ever set" "$WORK/last.err"
run_capture out "${C[@]}" --state "$WORK/stale.json" --max-age 180 --camera http://127.0.0.1:8080 --dry-run
check "--max-age 180 makes a 2 h old record fresh (dry run: exit 0)" [ "$RC $(json action "$out")" = "0 dry-run" ]
check "dry run: nothing set" [ "$(json puts "$(emulator_status 8080)")" = 0 ]

# A busy camera: two 503s are waited out (1 s, 2 s), then it is set.
curl -s -X POST -d '{"busy":2,"busy_message":"Device busy"}' http://127.0.0.1:8080/emulator/state >/dev/null
run_capture out "${C[@]}" --state "$WORK/fresh.json" --camera http://127.0.0.1:8080
check "busy twice: exit 0, set after 2 waits" [ "$RC $(json action "$out") $(json busy_waits "$out")" = "0 set 2" ]
# A camera that stays busy: --retries 2, then exit 5 with its message.
curl -s -X POST -d '{"busy":-1,"busy_message":"During shooting or recording"}' http://127.0.0.1:8080/emulator/state >/dev/null
run_capture out "${C[@]}" --state "$WORK/fresh.json" --camera http://127.0.0.1:8080 --retries 2
check "always busy: exit 5" [ "$RC" -eq 5 ]
check "always busy: gives the camera's message" \
  grep -q "camera busy (reading the date, HTTP 503): During shooting or recording (gave up after 2 retries)" "$WORK/last.err"
check "always busy: result busy in the log" [ "$(tail -n 1 "$LOG" | jq -r .result)" = busy ]
curl -s -X POST -d '{"busy":0}' http://127.0.0.1:8080/emulator/state >/dev/null

# Malformed replies: a clear error, exit 6, nothing set.
for mode in dst-string missing-dst bad-date not-json; do
  curl -s -X POST -d "{\"malformed\":\"$mode\",\"offset_s\":-5}" http://127.0.0.1:8080/emulator/state >/dev/null
  puts=$(json puts "$(emulator_status 8080)")
  run_capture out "${C[@]}" --state "$WORK/fresh.json" --camera http://127.0.0.1:8080
  check "malformed reply ($mode): exit 6: $(cat "$WORK/last.err")" [ "$RC" -eq 6 ]
  check "malformed reply ($mode): nothing set" [ "$(json puts "$(emulator_status 8080)")" = "$puts" ]
  check "malformed reply ($mode): camera-state says so in plain words" \
    [ "$(jq -r .message "$WORK/camera-state.json")" = "the camera gave a reply camsync does not understand" ]
done
curl -s -X POST -d '{"malformed":"none"}' http://127.0.0.1:8080/emulator/state >/dev/null

# The camera lists datetime without PUT.
camera_emulator ro 8081 --read-only
run_capture out "${C[@]}" --state "$WORK/fresh.json" --camera http://127.0.0.1:8081
check "read-only datetime: exit 6, says so" bash -c "[ $RC -eq 6 ] && grep -q 'read-only' '$WORK/last.err'"
check "read-only datetime: camera-state message ($(jq -r .message "$WORK/camera-state.json"))" \
  [ "$(jq -r .message "$WORK/camera-state.json")" = "the camera does not let its clock be set" ]

# The emulator refuses malformed PUT bodies as a camera does.
for body in '{"datetime":"Sun, 22 Nov 2026 04:01:14 +0100","dst":"false"}' '{"datetime":"Sun, 22 Nov 2026 04:01:14 +0100"}' \
  '{"datetime":"2026-11-22T04:01:14+01:00","dst":false}' '{"datetime":"Mon, 22 Nov 2026 04:01:14 +0100","dst":false}'; do
  r=$(curl -s -X PUT -d "$body" -w ' %{http_code}' http://127.0.0.1:8080/ccapi/ver100/functions/datetime)
  check "emulator refuses $body" [ "$r" = '{"message":"Invalid parameter"} 400' ]
done

# No camera, and a camera that never answers.
run_capture out "${C[@]}" --state "$WORK/fresh.json" --camera http://127.0.0.1:8099
check "nothing listening: exit 1, cannot connect" bash -c "[ $RC -eq 1 ] && grep -q 'cannot connect to http://127.0.0.1:8099' '$WORK/last.err'"
camera_emulator silent 8082 --hang
run_capture out timeout 20 "${C[@]}" --state "$WORK/fresh.json" --camera http://127.0.0.1:8082 --timeout 1
check "silent camera: exit 1 after --timeout" bash -c "[ $RC -eq 1 ] && grep -q 'no reply from http://127.0.0.1:8082' '$WORK/last.err'"
check "every run left one log line" [ "$(wc -l <"$LOG")" -eq 12 ]

# Bad command lines: exit 2 and one line.
expect_usage() {
  local desc=$1 want=$2
  shift 2
  expect_exit 2 "$desc" "$@"
  check "$desc: says '$want'" grep -qF -- "$want" "$WORK/last.err"
}
S=("$BIN/camsync" --no-log --camera-state "" --reference state --state "$WORK/fresh.json")
expect_usage "no camera" "give --camera URL or --discover" "${S[@]}"
expect_usage "--camera and --discover" "excludes" "${S[@]}" --camera http://x --discover
expect_usage "bad URL" "bad URL" "${S[@]}" --camera ftp://x
expect_usage "camera URL with another path" "the path must be /ccapi" "${S[@]}" --camera http://127.0.0.1:8080/x
expect_usage "--user without --password-file" "requires" "${S[@]}" --camera http://127.0.0.1:8080 --user u
expect_usage "--reference bogus" "--reference" "${S[@]}" --camera http://127.0.0.1:8080 --reference bogus
expect_usage "--cacert and --insecure" "excludes" "${S[@]}" --camera https://x --cacert /dev/null --insecure
expect_usage "unreadable --cacert" "cannot open $WORK/none.pem" "${S[@]}" --camera https://127.0.0.1:8443 --cacert "$WORK/none.pem"
expect_usage "an unknown TZ" "unknown time zone 'Mars/Olympus'" env TZ=Mars/Olympus "${S[@]}" --camera http://127.0.0.1:8080
expect_exit 0 "--help" "$BIN/camsync" --help

finish
