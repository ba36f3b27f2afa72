#!/usr/bin/env bash
# Every crash point of camsync's run at the system-call level (issue 65, part 3, as
# the ALICE study and SQLite's crash tests do it): camsync setting the camera
# emulator's clock is killed (SIGKILL, by strace's fault injection) at the Nth
# call of each system call through which a file is opened, written, synced,
# locked, truncated, renamed or removed, for every N a whole run makes.  After
# each kill: the camera state (written through a temporary file and a rename)
# parses and is the previous run's record or this run's, the activity log
# parses a JSON value a line and keeps every line earlier runs wrote, and the
# next run, not killed, succeeds and removes the temporary files the kills
# left (a kill between a temporary file's creation and its rename leaves it).
# close is not among the calls: it changes nothing on the disk, and a kill
# there is a kill before the next call listed.  A kill keeps what the kernel
# had been given; what a power cut loses besides is the VM tier's
# (tests/vm/powercut.sh).
source "$(dirname "$0")/../interop/lib.sh"
enter_private_netns "$@"
command -v strace >/dev/null || { echo "SKIP: strace is not installed (scripts/install-deps.sh --test)"; exit "$SKIP"; }

sync_state "$WORK/state.json" 60
camera_emulator cam 8080 --offset -5
C=("$BIN/camsync" --reference state --state "$WORK/state.json" --log "$WORK/camsync.jsonl" --json
  --camera-state "$WORK/camera-state.json" --camera http://127.0.0.1:8080)
calls=openat,open,creat,write,pwrite64,writev,fsync,fdatasync,sync_file_range,flock,ftruncate,fchmod,rename,renameat,renameat2,unlink,unlinkat

# camera_off: the emulator's clock 3 s off again, so that each run sets it and records that.
camera_off() { curl -s --max-time 5 -X POST -d '{"offset_s":-3}' http://127.0.0.1:8080/emulator/state >/dev/null; }
log_lines() { wc -l <"$WORK/camsync.jsonl"; }
last_run() { jq -r .last_run_unix "$WORK/camera-state.json" 2>/dev/null; }
# files_good [SINCE]: the camera state parses as a set run's record (made at SINCE or
# later: the previous record or a newer one), and every log line parses.
files_good() {
  [ "$(jq -r .result "$WORK/camera-state.json" 2>/dev/null)" = set ] &&
    awk -v t="$(last_run)" -v s="${1:-0}" 'BEGIN { exit !(t + 0 > 0 && t + 0 >= s + 0) }' &&
    jq -e -s 'all(.[]; type == "object")' "$WORK/camsync.jsonl" >/dev/null 2>&1
}

camera_off
run_capture out "${C[@]}"
check "a first run: exit 0, the camera set" [ "$RC $(json action "$out")" = "0 set" ]
check "a first run: both files good" files_good

# How often a whole run makes each of those calls.
camera_off
strace -f -c -U name,calls -e trace="$calls" -o "$WORK/counts" "${C[@]}" >/dev/null 2>&1 || true
mapfile -t counted < <(awk '$1 ~ /^[a-z_0-9]+$/ && $2 ~ /^[0-9]+$/ && $1 != "total" { print $1, $2 }' "$WORK/counts")
check "strace counted the run's file calls (${#counted[@]} kinds)" [ "${#counted[@]}" -ge 4 ]

points=0 bad=0 killed=0
for entry in "${counted[@]}"; do
  read -r call count <<<"$entry"
  for ((n = 1; n <= count; n++)); do
    before=$(log_lines)
    since=$(last_run)
    camera_off
    strace -f -o /dev/null -e trace="$call" -e inject="$call:signal=KILL:when=$n" "${C[@]}" >/dev/null 2>&1 && rc=0 || rc=$?
    points=$((points + 1))
    [ "$rc" -ne 0 ] && killed=$((killed + 1))
    if ! files_good "$since" || [ "$(log_lines)" -lt "$before" ]; then
      bad=$((bad + 1))
      failed "killed at $call #$n: camera state $(jq -c '{last_run_unix, result}' "$WORK/camera-state.json" 2>&1 | head -c 200) (was $since); log $(log_lines) lines, $before before"
    fi
  done
done
check "at $points crash points ($killed of them killed the run), the camera state and the log stayed good at each ($bad not)" \
  [ "$bad" -eq 0 ]
temporaries() { find "$WORK" -maxdepth 1 -name 'camera-state.json.tmp.*' | wc -l; }
left=$(temporaries)
check "some kills came between a temporary file's creation and its rename ($left temporary files left)" [ "$left" -gt 0 ]

before=$(log_lines)
since=$(last_run)
camera_off
run_capture out "${C[@]}"
check "the next run: exit 0, the camera set" [ "$RC $(json action "$out")" = "0 set" ]
check "the next run: its record replaced the camera state ($since -> $(last_run))" \
  awk -v a="$since" -v b="$(last_run)" 'BEGIN { exit !(b + 0 > a + 0) }'
check "the next run: both files good, its line logged ($before -> $(log_lines) lines)" \
  bash -c '[ "$1" -eq $(($2 + 1)) ]' _ "$(log_lines)" "$before"
files_good || failed "the next run: the files good"
check "the next run removed the temporary files the killed runs left ($left -> $(temporaries))" [ "$(temporaries)" -eq 0 ]
finish
