#!/usr/bin/env bash
# camsync --watch: the camera's SSDP announcement starts camsync, a flood does not, a spoofed one
# does not redirect it, the camera's first answer after a failed run starts it again, and with a
# phone's page open (Chromium) the page syncs the Pi before the camera is set.  In this test's own
# network namespace: multicast on its loopback (a route for 224.0.0.0/4), the camera emulator at
# 127.0.0.1:8080 announcing itself (NOTIFY ssdp:alive from its address when it starts), and, in the
# place of camsync.path, path_unit below: camsync --discover each time the camera-request file is
# replaced, one run at a time (tests/system/timelapse.sh runs the packaged units themselves).
#
# The watcher asks for runs at least 30 s apart, so this test waits that long twice (about 70 s in
# all): the flood's one run waits for the end of the gap after the camera's first, and the answered
# run for the end of the next.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

ip link set lo multicast on
ip route add 224.0.0.0/4 dev lo
REQUEST=$WORK/request
CSTATE=$WORK/camera-state.json
STATE=$WORK/state.json
sync_state "$STATE" 60  # an NTP server's record: the clock may be copied, no phone holds it

# path_unit FILE CMD...: what camsync.path does with the camera-request file, for this test: runs CMD
# each time FILE is replaced (a new inode or new content), one run at a time; a replacement during a
# run is merged into it, as systemd merges a start job into the one running.
path_unit() {
  local file=$1 key last="" n=0
  shift
  while :; do
    key=$(stat -c %i "$file" 2>/dev/null || true)$(cat "$file" 2>/dev/null || true)
    if [ -n "$key" ] && [ "$key" != "$last" ]; then
      n=$((n + 1))
      echo "=== run $n: $(cat "$file")"
      "$@" || echo "=== exit $?"
      last=$(stat -c %i "$file" 2>/dev/null || true)$(cat "$file" 2>/dev/null || true)
    fi
    sleep 0.1
  done
}
runs() { grep -c '^=== run' "$WORK/units.log" 2>/dev/null || true; }
asked() { grep -c 'asked for a camsync run' "$WORK/$1.log" 2>/dev/null || true; }
cstate() { cat "$CSTATE" 2>/dev/null || echo '{}'; }
W=("$BIN/camsync" --watch --discover --camera-request "$REQUEST" --camera-state "$CSTATE")

# --- Usage: the watcher takes the camera's choice and the two files only; a port it cannot share.
expect_message 2 "--watch with a run's option" "--threshold is an option of a run, not of --watch" \
  "${W[@]}" --threshold 2
expect_message 2 "--watch --camera with a host that does not resolve" "SSDP is watched for an IPv4 address" \
  "$BIN/camsync" --watch --camera http://camera.invalid:8080 --camera-request "$REQUEST"
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 1900)); print("bound", flush=True); time.sleep(60)' \
  >"$WORK/squatter.log" 2>&1 &
squatter=$!
wait_for_log squatter "^bound"
expect_message 1 "--watch where port 1900 is taken without sharing" "cannot listen for SSDP on port 1900" "${W[@]}"
kill $squatter
wait $squatter 2>/dev/null || true

start units path_unit "$REQUEST" "$BIN/camsync" --discover --reference state --state "$STATE" \
  --camera-state "$CSTATE" --camera-request "$REQUEST" --no-log --timeout 2 --retries 0
start watch "${W[@]}"
watcher=$LAST_PID
check "the watcher listens on lo" wait_for_log watch "listening for the camera on lo"

# --- The camera switched on: its ssdp:alive starts camsync, which sets it.
camera_emulator cam 8080 --offset 4 --ssdp
check "the emulator announced itself (ssdp:alive)" wait_for_log cam "announced ssdp:alive"
check "...the watcher asked for a run" wait_until "$DEADLINE_S" eval '[ "$(asked watch)" = 1 ]'
check "...$REQUEST says why: $(cat "$REQUEST" 2>/dev/null)" \
  jq_true '.reason == "camera_appeared" and .client == "127.0.0.1"' "$REQUEST"
appeared=$(jq -r .requested_unix_ms "$REQUEST")
set_run() { jq_true ".camera_appeared_unix_ms == $appeared and .result == \"set\"" <(cstate); }
check "camsync ran and set the camera" wait_until "$DEADLINE_S" set_run
echo "      camera-state: $(cstate)"
check "...one run, one PUT" [ "$(runs) $(json puts "$(emulator_status 8080)")" = "1 1" ]
check "...the camera-state says the order: camera_only, no phone holding this clock" \
  jq_true '.order == "camera_only" and .phone_sync_unix == null' <(cstate)
check "...and the run said why" grep -q "camera_appeared (127.0.0.1): no phone holds this clock" "$WORK/units.log"
# Its other announcements of the burst, and again on demand while present: no run.
curl -s --max-time 5 -d '{"announce":"ssdp:alive"}' http://127.0.0.1:8080/emulator/state >/dev/null

# --- A flood within the 30 s gap: 300 appearances from addresses that name themselves, 300
# announcements naming another host than their sender, among them the camera's own address naming
# an attacker's web server (127.0.0.3:8082), and the attacker's own.  The camera busy meanwhile,
# so that the run they start fails.
python3 -m http.server 8082 --bind 127.0.0.3 >"$WORK/attacker.log" 2>&1 &
BG_PIDS+=($!)
wait_until 10 curl -s -o /dev/null http://127.0.0.3:8082/ready-check
curl -s --max-time 5 -d '{"busy":-1}' http://127.0.0.1:8080/emulator/state >/dev/null
python3 - >"$WORK/flood.log" 2>&1 <<'PY'
import socket
NT = "urn:schemas-canon-com:service:ICPO-CameraControlAPIService:1"
def notify(source, location):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((source, 0))
    s.sendto(("NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\n"
              "LOCATION: %s\r\nNT: %s\r\nNTS: ssdp:alive\r\nUSN: uuid:f::%s\r\n\r\n" % (location, NT, NT)).encode(),
             ("239.255.255.250", 1900))
    s.close()
for i in range(300):
    host = "127.0.%d.%d" % (1 + i // 200, 2 + i % 200)
    notify(host, "http://%s:8080/d.xml" % host)
    notify(host, "http://127.0.0.3:8082/d.xml")
notify("127.0.0.1", "http://127.0.0.3:8082/desc.xml")
notify("127.0.0.3", "http://127.0.0.3:8082/desc.xml")
print("sent 602")
PY
check "600 NOTIFYs sent ($(cat "$WORK/flood.log"))" grep -q "sent 602" "$WORK/flood.log"
check "...the watcher made them one run, deferred to the end of the gap" \
  wait_for_log watch "(camera_appeared); the run waits: runs are 30 s apart at least"
check "...and summed up the ones naming another host" wait_for_log watch "LOCATION names another host"
failed_run() { jq_true '.result == "failed"' <(cstate); }
check "the flood's one run came after the gap, and failed on the busy camera" wait_until 90 failed_run
echo "      camera-state: $(cstate)"
check "...two runs and two requests in all ($(runs), $(asked watch))" [ "$(runs) $(asked watch)" = "2 2" ]
check "...it went to the camera it would have found anyway ($(json camera "$(cstate)"))" \
  [ "$(json camera "$(cstate)")" = http://127.0.0.1:8080 ]
check "...and never to the attacker's server (no request in its log)" \
  eval '! grep -q "GET /desc.xml\|GET /d.xml" "$WORK/attacker.log"'

# --- The camera free again: after the failed run the watcher searches (M-SEARCH every 30 s), and the
# camera's first answer starts camsync, which finds it right.
curl -s --max-time 5 -d '{"busy":0}' http://127.0.0.1:8080/emulator/state >/dev/null
check "the watcher saw the failure" wait_for_log watch "the last camsync run failed"
answered_run() { jq_true '.result == "ok"' <(cstate) && [ "$(runs)" = 3 ]; }
check "its search found the camera: a third run, the camera right" wait_until 90 answered_run
echo "      camera-state: $(cstate)"
check "...asked for as camera_answered ($(jq -c . "$REQUEST"))" jq_true '.reason == "camera_answered"' "$REQUEST"
check "...three requests in all, the flood's 600 NOTIFYs one of them" [ "$(asked watch)" = 3 ]
kill "$watcher" 2>/dev/null || true
check "SIGTERM ends the watcher (exit 0)" wait_for_log watch "stopped by a signal"

# --- A phone's page open (Chromium, the page of an sntpd on lo): the camera appears; camsync waits
# while the page, told by GET /time, verifies the Pi; then the camera is set from it.
if command -v chromium >/dev/null && command -v node >/dev/null &&
  [ -d "$REPO/tests/browser/node_modules/playwright-core" ]; then
  rm -f "$STATE"
  start_sntpd pi --listen 127.0.0.1:11140 --clock simulated --simulated-offset -5 --http 127.0.0.1:8140 \
    --http-set-interface lo --state "$STATE" --camera-state "$CSTATE" --camera-request "$REQUEST" \
    --activity-log "$WORK/activity.jsonl"
  wait_for_log pi "http: serving on 127.0.0.1:8140"
  start watch2 "${W[@]}"
  wait_for_log watch2 "listening for the camera on lo"
  start page node "$REPO/tests/browser/recheck.mjs" http://127.0.0.1:8140/ "$WORK/page.png" \
    --profile "$WORK/chromium" --sets 2
  page=$LAST_PID
  check "the page set the Pi (the sync-state's source is the phone)" \
    wait_until 60 jq_true '.source == "phone"' "$STATE"
  curl -s --max-time 5 -d '{"offset_s":3}' http://127.0.0.1:8080/emulator/state >/dev/null
  curl -s --max-time 5 -d '{"announce":"ssdp:alive"}' http://127.0.0.1:8080/emulator/state >/dev/null
  check "the camera appears (a new watcher has not seen it): a run asked for" \
    wait_until "$DEADLINE_S" eval '[ "$(asked watch2)" = 1 ]'
  appeared=$(jq -r .requested_unix_ms "$REQUEST")
  check "GET /time tells the page: camera_appeared_unix_ms $appeared" \
    [ "$(curl -s http://127.0.0.1:8140/time | jq -r .camera_appeared_unix_ms)" = "$appeared" ]
  phone_run() { jq_true ".camera_appeared_unix_ms == $appeared" <(cstate); }
  check "camsync ran" wait_until 60 phone_run
  cs=$(cstate)
  echo "      camera-state: $cs"
  check "...the page synced first: order phone_then_camera, the phone's sync after the camera appeared" \
    jq_true ".order == \"phone_then_camera\" and .phone_sync_unix * 1000 > $appeared" <<<"$cs"
  check "...then the camera was set from the Pi ($(json offset_before_s "$cs") s before)" \
    jq_true '.result == "set" and (.offset_before_s - 3 | fabs) < 0.5' <<<"$cs"
  check "...the run's lines say so" grep -q "camera_appeared (127.0.0.1): the phone synced this clock first" \
    "$WORK/units.log"
  # (recheck.mjs bounds each of its waits: 2 min for the sets, 20 s for each reply.)
  reap "$page" 200
  report=$(tail -n 1 "$WORK/page.log")
  check "the page's two POST /set: its set, then the verification the camera asked for ($(jq -c .sets <<<"$report"))" \
    jq_true '.sets == ["none", "none"] and .page_error == null' <<<"$report"
  check "...the activity log has the verification" \
    jq_true -s "map(select(.event == \"phone_set\" and .result == \"verified\")) | length == 1" "$WORK/activity.jsonl"
else
  echo "SKIP (a phone's page open): chromium, node or playwright-core is not installed (scripts/install-deps.sh --test)"
fi
finish
