#!/usr/bin/env bash
# camsync against the camera emulator on loopback: a trusted clock sets a
# camera 5 s off (drifting 50 ppm) on the second and verifies it; a camera
# already right is left alone; the local zone's standard offset and dst flag
# are what is sent (checked with GNU date, not with our own codec); both
# GET /ccapi listing forms.  This machine's clock is only read.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

sync_state "$WORK/state.json" 60
C=("$BIN/camsync" --reference state --state "$WORK/state.json" --log "$WORK/camsync.jsonl" --json --camera-state "$WORK/camera-state.json")

camera_emulator cam 8080 --offset -5 --ppm 50 --zone +0900
run_capture out env TZ=Europe/Berlin "${C[@]}" --camera http://127.0.0.1:8080
check "5 s behind: exit 0" [ "$RC" -eq 0 ]
check "5 s behind: action set, result ok" [ "$(json action "$out") $(json result "$out")" = "set ok" ]
check "5 s behind: offset found -5 s within its stated uncertainty ($(json offset_s "$out") +- $(json uncertainty_s "$out") s)" \
  near "$(json offset_s "$out")" -5 "$(sum "$(json uncertainty_s "$out")" 0.001)"
check "5 s behind: verified within the 1 s threshold ($(json offset_after_s "$out") s)" \
  near "$(json offset_after_s "$out")" 0 1
st=$(emulator_status 8080)
check "emulator: one PUT" [ "$(json puts "$st")" = 1 ]
# The emulator's own view: its clock minus this machine's, right now.
check_camera "emulator: the camera where camsync says it set it" "$out" 8080
echo "      measured: camsync says $(json offset_after_s "$out") s ± $(json uncertainty_after_s "$out") s after the set; the emulator says $(json offset_s "$st") s"

run_capture out env TZ=Europe/Berlin "${C[@]}" --camera http://127.0.0.1:8080
check "already right: exit 0, action none" [ "$RC $(json action "$out")" = "0 none" ]
check "already right: no second PUT" [ "$(json puts "$(emulator_status 8080)")" = 1 ]
check "activity log: one JSON line per run" [ "$(jq -c .result "$WORK/camsync.jsonl" | tr '\n' ' ')" = '"ok" "ok" ' ]

# The zone: standard offset + dst flag of the local TZ, whatever today's date.
# GNU date turns the string back into UTC independently of our codec.
for tz in Europe/Berlin Australia/Sydney Asia/Kolkata Australia/Adelaide America/St_Johns; do
  curl -s -X POST -d '{"offset_s":-3}' http://127.0.0.1:8080/emulator/state >/dev/null
  t0=$(date +%s)
  run_capture out env TZ=$tz "${C[@]}" --camera http://127.0.0.1:8080
  t1=$(date +%s)
  sent=$(json sent "$out")
  dst=$(jq -r .sent_dst <<<"$out")
  read -r std want_dst <<<"$(ccapi_zone "$tz")"
  utc=$(ccapi_utc "$sent" "$dst")
  check "TZ=$tz: exit 0, set ($sent dst=$dst)" [ "$RC $(json action "$out")" = "0 set" ]
  check "TZ=$tz: zone is the standard offset $std" [ "${sent: -5}" = "$std" ]
  check "TZ=$tz: dst=$want_dst" [ "$dst" = "$want_dst" ]
  check "TZ=$tz: string + dst is the UTC time of the PUT (GNU date), during camsync's run ($t0 to $t1)" \
    [ "$utc" -ge $((t0 - 1)) -a "$utc" -le $((t1 + 1)) ]
  check_camera "TZ=$tz: the emulator where camsync says it set it" "$out" 8080
done

# A camera whose clock was reset (a fake clock starting in 2019), 50 ppm fast.
camera_emulator reset 8082 --start 1546273425 --ppm 50 --zone +0900
run_capture out "${C[@]}" --camera http://127.0.0.1:8082 --syslog
years=$(awk -v o="$(json offset_s "$out")" 'BEGIN { printf "%d", -o / 31557600 }')
check "reset camera: exit 0, set, found $years years behind" [ "$RC $(json action "$out")" = "0 set" ]
check_camera "reset camera: now where camsync says it set it" "$out" 8082

# The activity log cannot be written: a warning, the run's result stands.
run_capture out "$BIN/camsync" --reference state --state "$WORK/state.json" --camera http://127.0.0.1:8082 \
  --log /proc/nonexistent/camsync.jsonl --camera-state ""
check "unwritable log: exit 0" [ "$RC" -eq 0 ]
check "unwritable log: a warning" grep -q "warning: activity log: cannot" "$WORK/last.err"

# The older listing form: absolute "url" entries.
camera_emulator old 8081 --listing url --offset 7
run_capture out "${C[@]}" --camera http://127.0.0.1:8081/ccapi/
check "url listing: exit 0, set" [ "$RC $(json action "$out")" = "0 set" ]

finish
