#!/usr/bin/env bash
# The README's timelapse Pi, set up as a user does, in one booted container:
# sntpd's page on the access point ap0 with the activity log, camsync.path and
# camsync.timer enabled, and a camera (tests/camera_emulator, run from the
# build tree in the container's network namespace, found by camsync
# --discover).  A phone on ap0 (curl) sets the Pi's clock: camsync.service runs
# by itself and sets the camera; GET /time shows that run; POST /sync-camera
# starts camsync again; the page in Chromium (when installed) agrees with the
# Pi, a verification, and camsync runs once more; sntpd-web runs as _lansync-web
# in sntpd.service's cgroup and comes back after a kill -9 while sntpd stays.  After a reboot the
# activity log still holds its lines and grows, the Pi is not reliable (no
# phone yet) and camsync refuses to copy its clock.  Between the two, the
# rig's owner turns HTTPS on (man sntpd's self-signed certificate, made on this
# machine as the root file system has no openssl) so that the report gets the
# phones' locations: a phone's set over HTTPS, the page in Chromium granted the
# geolocation (its activity-log line carries the location); with the camera
# gone, a run fails and camsync.service's --retry-interval 15min puts its retry
# time in the camera-state file, GET /time and the page's warning; then
# camsync-watch.service enabled, the camera back: its SSDP ssdp:alive starts
# camsync through camsync.path, which waits for the phone (told by GET /time's
# camera_appeared_unix_ms) to verify the Pi first, then sets the camera, and the
# camera-state says so (order phone_then_camera).  After the reboot the camera's
# appearance starts camsync again, which refuses.
#
# The container shares this machine's clock and never gets CAP_SYS_TIME:
# sntpd runs `clock simulated` (5 s behind), so the phone's set moves sntpd's
# clock only.  camsync copies the system clock, which the phone's set does not
# change here; it matches the Pi's simulated clock after the set because the
# phone's time is this machine's clock.  The outputs a user would see are
# printed for the README's timelapse section.
source "$(dirname "$0")/lib.sh"

STATE=/var/lib/lansync/sync-state.json
CAMERA_STATE=/var/lib/lansync/camera-state.json
REQUEST=/var/lib/lansync/camera-request
ALOG=/var/log/lansync/sntpd.jsonl
PI=http://192.168.4.1
CA=()  # curl's --cacert once the page is on HTTPS
CAMERA=192.168.4.20:8080

# The rig at every boot (ap0.service): ap0, one end of a veth pair holding the
# Pi's and a phone's addresses (as in phone.sh); the camera's address on the
# loopback with multicast on, as the emulator answers SSDP there only (as in
# camsync_discover.sh; on lo, camsync's M-SEARCH leaves from the camera's
# address, which the answer must come from and its LOCATION name); and this
# boot's boot_id where the units' sandboxes see it (boot_id_dropin in lib.sh).
install_rig_units() {
  local root=$WORK/timelapse
  cat >"$root/etc/systemd/system/ap0.service" <<'UNIT'
[Unit]
Description=ap0 for the timelapse test (a veth pair with the Pi's and a phone's addresses; the camera's on lo)
Before=sntpd.service camsync.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'cat /proc/sys/kernel/random/boot_id >/run/container-boot-id'
ExecStart=/bin/sh -c 'ip link add ap0 type veth peer name ap0-peer && ip addr add 192.168.4.1/24 dev ap0 && ip addr add 192.168.4.2/24 dev ap0 && ip link set ap0-peer up && ip link set ap0 up'
ExecStart=/bin/sh -c 'ip addr add 192.168.4.20/32 dev lo && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo'
[Install]
WantedBy=multi-user.target
UNIT
  boot_id_dropin sntpd.service timelapse-test
  # camsync as shipped (--discover --syslog --time-zone state) but trusting the
  # sync-state file alone: the kernel's sync status here is this machine's.
  boot_id_dropin camsync.service timelapse-test ExecStart= \
    "ExecStart=/usr/bin/camsync --discover --syslog --time-zone state --retry-interval 15min --reference state"
  # The watcher as shipped, after ap0.service (the camera's lo gets its multicast there).
  boot_id_dropin camsync-watch.service timelapse-test
  inside systemctl daemon-reload
  inside systemctl enable --now ap0.service >/dev/null 2>&1
}

# camera NAME: the emulator, 7 s behind and in +0900, on $CAMERA in the
# container's network (from this machine's build tree); waits until it listens.
camera() {
  start "$1" nsenter -t "$CPID" -n "$BIN/camera_emulator" --listen "$CAMERA" --offset -7 --zone +0900 --ssdp
  CAM_PID=$LAST_PID
  wait_until 10 grep -q "listening on" "$WORK/$1.log"
}
camera_status() { inside curl -s --max-time 5 "http://$CAMERA/emulator/status"; }

# phone_sets [FIELDS]: a phone on ap0 (192.168.4.2) measures and sets, in Sydney's zone (more
# body fields: ,"location":{...}), with the page's Origin; the /set reply in $set.
phone_sets() {
  local ca=""
  [ ${#CA[@]} -eq 0 ] || ca=$WORK/$MACHINE${CA[1]}  # the container's certificate, from this machine
  ap0_phone_set "$PI" "$PI" "$ca" "\"time_zone\":\"Australia/Sydney\"${1:-}"
}

camsync_started() { inside systemctl show -p ExecMainStartTimestampMonotonic --value camsync.service; }
# camsync_ran_after MONO UNIX: camsync.service started after MONO, finished, and its camera-state is newer than UNIX.
camsync_ran_after() {
  [ "$(camsync_started)" -gt "$1" ] && [ "$(inside systemctl is-active camsync.service)" != activating ] &&
    jq_true ".last_run_unix > $2" <(inside cat $CAMERA_STATE 2>/dev/null)
}
pi_time() { inside curl -s --max-time 5 "${CA[@]}" $PI/time; }
# pi_minus_real: the Pi's (simulated) clock minus this machine's, in s.
pi_minus_real() {
  local a b t
  a=$(date +%s%3N)
  t=$(json unix_ms "$(pi_time)")
  b=$(date +%s%3N)
  awk -v t="$t" -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", (t - (a + b) / 2) / 1000 }'
}
# post_sync_camera: POST /sync-camera from the phone as the page on the Pi sends it; body, then the status.
post_sync_camera() {
  inside curl -s --max-time 5 "${CA[@]}" --interface 192.168.4.2 -X POST -H 'Content-Length: 0' \
    -H "Origin: $PI" -w '%{http_code}\n' $PI/sync-camera
}

boot timelapse
install_package
install_rig_units
cat >"$WORK/timelapse/etc/lansync/sntpd.conf" <<'CONF'
# The README's timelapse Pi: the page for the phones on the access point,
# every set and camera request in the activity log.  Here a simulated clock
# 5 s behind (this container may not set the machine's clock), and a short
# no-client-after (default 1h) for the test.
http 192.168.4.1:80
http-set-interface ap0
activity-log /var/log/lansync/sntpd.jsonl
clock simulated
simulated-offset -5
no-client-after 5s
CONF
show "cat /etc/lansync/sntpd.conf" "$(grep -v '^#' "$WORK/timelapse/etc/lansync/sntpd.conf")"
inside systemctl restart sntpd.service
check "sntpd.service restarted with the timelapse recipe" wait_active sntpd.service
check "systemctl enable --now camsync.timer camsync.path" \
  inside systemctl enable --now camsync.timer camsync.path
check "camsync.path is active" wait_active camsync.path
check "the camera emulator listens on $CAMERA in the container's network" camera cam
check "...7 s behind ($(json offset_s "$(camera_status)") s)" near "$(json offset_s "$(camera_status)")" -7 0.5

# --- A phone on ap0 sets the clock; camsync.path starts camsync.service.
started0=$(camsync_started)
t_set=$(date +%s)
phone_sets
show "the phone's exchange and set" "$set"
check "a phone on ap0 sets the clock ($(json result "$set"), step $(json offset_s "$set") s +- $(json uncertainty_s "$set") s)" \
  set_within 5
check "the sync-state file records the phone and its zone" \
  jq_true '.source == "phone" and .time_zone == "Australia/Sydney"' <(inside cat $STATE)
check "camsync.service ran by itself (ExecMainStartTimestamp moved) and recorded its run" \
  wait_until 30 camsync_ran_after "$started0" "$t_set"
cstate=$(inside cat $CAMERA_STATE)
show "cat $CAMERA_STATE" "$cstate"
check "camera-state: result set ($(json result "$cstate"), $(json offset_before_s "$cstate") s before)" \
  jq_true '.result == "set" and .offset_before_s < -6 and (.offset_after_s | fabs) < 1' <<<"$cstate"
journal=$(inside journalctl -b -u camsync.service --no-pager -o cat)
show "journalctl -u camsync.service" "$journal"
check "the journal has camsync's run (its syslog line, result ok)" grep -q '"result":"ok"' <<<"$journal"
cam=$(camera_status)
pi=$(pi_minus_real)
check "the camera follows the Pi's clock within 1 s (camera $(json offset_s "$cam") s, Pi $pi s from this machine)" \
  eval 'near "$(json offset_s "$cam")" "$pi" 1 && [ "$(json puts "$cam")" = 1 ]'
check "...in the phone's zone: +1000, Sydney's standard offset ($(json last_put "$cam"))" \
  grep -q '+1000' <<<"$(json last_put "$cam")"
time=$(pi_time)
show "curl http://192.168.4.1/time" "$time"
check "GET /time's camera object is that run" \
  jq_true ".synchronized and .camera.result == \"set\" and .camera.last_run_unix == $(json last_run_unix "$cstate")" <<<"$time"
run_capture status inside sntpd status
show "sntpd status" "$status"
check "sntpd status: the phone is the reference" grep -q "phone" <<<"$status"

# --- POST /sync-camera, as a page on the Pi calls it: camsync runs again.
started1=$(camsync_started)
t_req=$(date +%s)
reply=$(post_sync_camera)
show "curl -X POST -H 'Origin: $PI' $PI/sync-camera" "$reply"
check "POST /sync-camera: 202 requested" [ "$(tail -1 <<<"$reply") $(json result "$(head -1 <<<"$reply")")" = "202 requested" ]
check "...$REQUEST written ($(inside cat $REQUEST 2>/dev/null))" \
  jq_true '.client == "192.168.4.2" and .requested_unix_ms > 0' <(inside cat $REQUEST)
check "camsync.service ran again" wait_until 30 camsync_ran_after "$started1" "$t_req"
cstate=$(inside cat $CAMERA_STATE)
show "cat $CAMERA_STATE" "$cstate"
check "camera-state: result ok (the camera was right)" jq_true '.result == "ok"' <<<"$cstate"
check "...no second PUT" [ "$(json puts "$(camera_status)")" = 1 ]

# --- The phone opens the page (Chromium from this machine, in the container's network): the
# Pi agrees with it, which is a verification, and camsync.path starts camsync once more.
if command -v chromium >/dev/null && command -v node >/dev/null && [ -d "$REPO/tests/browser/node_modules/playwright-core" ]; then
  started2=$(camsync_started)
  t_page=$(date +%s)
  page=$(timeout 90 nsenter -t "$CPID" -n node "$REPO/tests/browser/phone.mjs" $PI/ "$WORK/page.png" \
    --profile "$WORK/chromium" --timezone Australia/Sydney 2>"$WORK/browser.log") || true
  show "(the phone opens http://192.168.4.1/: what the page shows)" \
    "$(jq -r '"result: \(.result)\nsource: \(.source)\nreliable until: \(.until)\ncamera: \(.camera)"' <<<"$page" 2>/dev/null || echo "$page")"
  check "the page: the Pi and the phone agree, a verification ($(jq -r .state <<<"$page" 2>/dev/null))" \
    jq_true '.state == "verified" and .page_error == null' <<<"$page"
  check "...and camsync.service ran after it" wait_until 30 camsync_ran_after "$started2" "$t_page"
else
  echo "SKIP (the page in Chromium): chromium, node or playwright-core is not installed (scripts/install-deps.sh --test)"
fi

# --- sntpd-web: _lansync-web, in sntpd.service's cgroup under its MemoryMax, restarted after kill -9.
main=$(inside systemctl show -p MainPID --value sntpd.service)
# sntpd-web's PID, from /proc (a minimal Debian has no pgrep).
web_pid() {
  # shellcheck disable=SC2016
  inside sh -c 'for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = sntpd-web ] && echo ${p#/proc/}; done; true'
}
web=$(web_pid)
show "systemctl status sntpd" "$(inside systemctl status sntpd.service --no-pager -n 0 | sed 's/ *$//')"
run_capture st inside cat "/proc/$web/status"
max=$(inside systemctl show -p MemoryMax --value sntpd.service)
show "systemctl show sntpd.service -p MemoryMax" "MemoryMax=$max"
show "grep -E 'PPid|Uid|VmRSS' /proc/$web/status" "$(grep -E '^(PPid|Uid|VmRSS)' <<<"$st")"
check "sntpd-web ($web) is sntpd's ($main) child" [ "$(awk '/^PPid/ { print $2 }' <<<"$st")" = "$main" ]
check "...runs as _lansync-web" [ "$(awk '/^Uid/ { print $2 }' <<<"$st")" = "$(inside id -u _lansync-web)" ]
check "...in sntpd.service's cgroup ($(inside grep '^0::' /proc/"$web"/cgroup))" \
  grep -q '^0::/system.slice/sntpd.service$' <(inside cat "/proc/$web/cgroup")
check "...whose MemoryMax is 128M ($max)" [ "$max" = 134217728 ]
check "...the OOM killer's first choice (oom_score_adj $(inside cat /proc/"$web"/oom_score_adj))" \
  [ "$(inside cat "/proc/$web/oom_score_adj")" = 1000 ]
check "...at most 64 MiB of data ($(inside grep 'Max data size' /proc/"$web"/limits | tr -s ' '))" \
  grep -q 'Max data size *67108864' <(inside cat "/proc/$web/limits")
# MemoryMax is enforced where the container's systemd has the memory controller (cgroup v2, as on a
# Pi with Debian 12); a machine with cgroup v1 gives it none ("memory:/" in /proc/PID/cgroup).
memory_max=$(inside sh -c 'cat /sys/fs/cgroup/system.slice/sntpd.service/memory.max 2>/dev/null' || true)
if [ -n "$memory_max" ]; then
  check "...and the kernel enforces it (memory.max $memory_max)" [ "$memory_max" = 134217728 ]
else
  echo "      note: no memory controller in this container (cgroup v1 here): MemoryMax is set, not enforced"
fi
inside sh -c "kill -9 $web"
page_back() {
  local pid
  pid=$(web_pid) && [ -n "$pid" ] && [ "$pid" != "$web" ] &&
    [ "$(inside curl -s --max-time 2 "${CA[@]}" -o /dev/null -w '%{http_code}' $PI/)" = 200 ]
}
check "after kill -9 of sntpd-web, the page answers again" wait_until 30 page_back
check "...sntpd's PID is unchanged ($main)" [ "$(inside systemctl show -p MainPID --value sntpd.service)" = "$main" ]
web_journal=$(inside journalctl -b -u sntpd.service --no-pager -o cat | grep "sntpd-web (pid $web)" || true)
show "journalctl -u sntpd.service | grep sntpd-web" "$web_journal"
check "...and the journal says why" grep -q "starting it again" <<<"$web_journal"

# --- The owner turns HTTPS on, so that the report gets the phones' locations (a browser gives
# one to a secure context only): man sntpd's self-signed certificate (made here: the root file
# system has no openssl), the key root's alone, the page on 443.
keygen=(openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 825
  -nodes -keyout /etc/lansync/https.key -out /etc/lansync/https.crt
  -subj /CN=pi.local -addext subjectAltName=DNS:pi.local,IP:192.168.4.1
  -addext extendedKeyUsage=serverAuth)
check "the certificate, with man sntpd's openssl command" \
  "${keygen[@]/\/etc\/lansync/$WORK/timelapse/etc/lansync}" 2>"$WORK/openssl.log"
chown root:root "$WORK"/timelapse/etc/lansync/https.{key,crt}
chmod 0600 "$WORK/timelapse/etc/lansync/https.key"
sed -i 's/^http 192.168.4.1:80$/http 192.168.4.1:443\nhttp-tls-cert \/etc\/lansync\/https.crt\nhttp-tls-key \/etc\/lansync\/https.key/' \
  "$WORK/timelapse/etc/lansync/sntpd.conf"
show "ls -l /etc/lansync/https.key; grep -E '^http' /etc/lansync/sntpd.conf" \
  "$(inside ls -l /etc/lansync/https.key | cut -d' ' -f1,3,4,9)
$(grep -E '^http' "$WORK/timelapse/etc/lansync/sntpd.conf")"
PI=https://192.168.4.1
CA=(--cacert /etc/lansync/https.crt)
inside systemctl restart sntpd.service
check "sntpd.service restarted with the certificate" wait_active sntpd.service
# sntpd is ready before its page process has logged where it serves.
https_serving() { inside journalctl -b -u sntpd.service --no-pager -o cat | grep 'serving on 192.168.4.1:443' | tail -1; }
wait_until 30 eval '[ -n "$(https_serving)" ]' || true
serving=$(https_serving || true)
show "journalctl -u sntpd.service | grep serving" "$serving"
check "...the page is on HTTPS (the journal: $serving)" grep -q '(HTTPS)' <<<"$serving"
check "GET $PI/time with curl --cacert from the phone's address: 200" \
  [ "$(inside curl -s --max-time 5 "${CA[@]}" --interface 192.168.4.2 -o /dev/null -w '%{http_code}' $PI/time)" = 200 ]
run_capture status inside sntpd status
check "sntpd status still answers (the phone is the reference)" grep -q "phone" <<<"$status"
# A phone's set over HTTPS with its location (as the page sends it); camsync.path runs camsync (the camera is right).
started3=$(camsync_started)
t_https=$(date +%s)
phone_sets ",\"location\":{\"lat\":-33.8568,\"lon\":151.2153,\"accuracy_m\":25,\"unix\":$t_https}"
check "a set over HTTPS with Origin: $PI and a location: $(json result "$set")" \
  eval '[[ "$(json result "$set")" =~ ^(set|verified)$ ]]'
located=$(inside jq -c 'select(.event == "phone_set" and .location != null)' $ALOG | tail -1)
show "grep location $ALOG     # curl's set" "$located"
check "...its activity-log line carries the location" \
  jq_true ".location == {\"lat\":-33.8568,\"lon\":151.2153,\"accuracy_m\":25,\"unix\":$t_https}" <<<"$located"
check "...and camsync.service ran after it" wait_until 30 camsync_ran_after "$started3" "$t_https"

# --- The camera goes away: the run POST /sync-camera starts fails, and camsync.service's
# --retry-interval 15min says when camsync.timer tries again.
kill "$CAM_PID"
wait "$CAM_PID" 2>/dev/null || true
started4=$(camsync_started)
t_fail=$(date +%s)
reply=$(post_sync_camera)
check "the camera stopped; POST /sync-camera over HTTPS: $(tail -1 <<<"$reply")" [ "$(tail -1 <<<"$reply")" = 202 ]
check "camsync.service ran" wait_until 30 camsync_ran_after "$started4" "$t_fail"
cstate=$(inside cat $CAMERA_STATE)
show "cat $CAMERA_STATE" "$cstate"
check "camera-state: failed, \"$(json message "$cstate")\", retry at the run + 900 s ($(json retry_unix "$cstate"))" \
  jq_true '.result == "failed" and (.message | test("unreachable")) and .retry_unix == (.last_run_unix + 900 | floor)' <<<"$cstate"
retry_unix=$(json retry_unix "$cstate")
time=$(pi_time)
show "curl --cacert /etc/lansync/https.crt $PI/time | jq .camera" "$(jq .camera <<<"$time")"
check "...GET /time's camera object carries it" \
  jq_true ".camera.result == \"failed\" and .camera.retry_unix == ${retry_unix:-0}" <<<"$time"
if command -v chromium >/dev/null && command -v node >/dev/null && [ -d "$REPO/tests/browser/node_modules/playwright-core" ]; then
  # The phone opens the page over HTTPS (the self-signed certificate accepted), the geolocation
  # granted: it verifies with the location, and warns about the camera.
  with_location() { inside jq -c 'select(.event == "phone_set" and .location != null)' $ALOG; }
  n_located=$(with_location | wc -l)
  started5=$(camsync_started)
  t_page=$(date +%s)
  page=$(timeout 90 nsenter -t "$CPID" -n node "$REPO/tests/browser/location.mjs" $PI/ --profile "$WORK/chromium-https" \
    --lat -33.8568 --lon 151.2153 --accuracy 25 --ignore-https-errors --timezone Australia/Sydney 2>"$WORK/browser-https.log") || true
  show "(the phone opens $PI/: what the page shows)" \
    "$(jq -r '"result: \(.result)\nlocation: \(.location)\ncamera: \(.camera)\nwarning: \(.camera_warning)"' <<<"$page" 2>/dev/null || echo "$page")"
  check "the page over HTTPS: a secure context, $(jq -r .state <<<"$page" 2>/dev/null), the location sent" \
    jq_true '.secure and (.state == "verified" or .state == "set") and .location_state == "sent" and .page_error == null' <<<"$page"
  retry_at=$(TZ=Australia/Sydney date -d "@${retry_unix:-0}" +%H:%M)
  check "...the page warns: $(jq -r .camera_warning <<<"$page" 2>/dev/null)" \
    jq_true ".camera_warning | test(\"^Camera clock not set: camera unreachable.* — will retry at $retry_at\$\")" <<<"$page"
  located=$(with_location | tail -n +$((n_located + 1)) | tail -1)
  show "tail -n 1 $ALOG     # the page's $(jq -r .result <<<"$located")" "$located"
  check "...the activity log's line of the page's $(jq -r .result <<<"$located") carries the location" \
    jq_true ".location.lat == -33.8568 and .location.lon == 151.2153 and .location.accuracy_m == 25" <<<"$located"
  check "...camsync.service ran after it (and failed again)" wait_until 30 camsync_ran_after "$started5" "$t_page"
else
  echo "SKIP (the page over HTTPS in Chromium): chromium, node or playwright-core is not installed"
fi
# --- camsync-watch.service: the camera switched on starts camsync by itself (its SSDP ssdp:alive),
# and the phone, told by GET /time, syncs the Pi first.
check "systemctl enable --now camsync-watch.service" inside systemctl enable --now camsync-watch.service
watch_log() { inside journalctl -b -u camsync-watch.service --no-pager -o cat; }
check "...it listens for the camera on lo" wait_until 30 eval 'watch_log | grep -q "listening for the camera on lo"'
check "...and saw the failed run" wait_until 30 eval 'watch_log | grep -q "the last camsync run failed"'
# The phone (curl from 192.168.4.2, as a page does when GET /time names the camera's appearance):
# waits for camera_appeared_unix_ms, then measures and sets (a verification: the clocks agree).
phone_on_camera() {
  local i
  for i in $(seq 120); do
    [ "$(json camera_appeared_unix_ms "$(pi_time)")" != "" ] && { phone_sets; echo "$set"; return 0; }
    sleep 0.5
  done
  return 1
}
phone_on_camera >"$WORK/phone-on-camera.log" 2>&1 &
phone_pid=$!
BG_PIDS+=("$phone_pid")
started6=$(camsync_started)
t_back=$(date +%s)
check "the camera back on $CAMERA (7 s behind again), announcing itself" camera cam-back
check "...camsync-watch.service heard it and asked for a run" \
  wait_until 30 eval 'watch_log | grep -q "asked for a camsync run"'
show "journalctl -u camsync-watch.service" "$(watch_log)"
check "camsync.service ran (started by camsync.path)" wait_until 90 camsync_ran_after "$started6" "$t_back"
wait "$phone_pid" 2>/dev/null || true
show "the phone's set, once GET /time named the camera's appearance" "$(cat "$WORK/phone-on-camera.log")"
check "...the phone verified the Pi ($(json result "$(tail -1 "$WORK/phone-on-camera.log")"))" \
  eval '[[ "$(json result "$(tail -1 "$WORK/phone-on-camera.log")")" =~ ^(verified|set)$ ]]'
show "journalctl -u camsync.service -n 11" "$(inside journalctl -b -u camsync.service --no-pager -o cat -n 11)"
cstate=$(inside cat $CAMERA_STATE)
show "cat $CAMERA_STATE" "$cstate"
check "camera-state: the phone first, then the camera ($(json order "$cstate"), phone at $(json phone_sync_unix "$cstate"))" \
  jq_true '.order == "phone_then_camera" and .phone_sync_unix * 1000 > .camera_appeared_unix_ms' <<<"$cstate"
check "...answering camsync-watch's request ($(inside cat $REQUEST))" \
  jq_true --argjson r "$(inside cat $REQUEST)" '.camera_appeared_unix_ms == $r.requested_unix_ms and ($r.reason | startswith("camera_"))' <<<"$cstate"
check "camera-state: $(json result "$cstate"), no retry time" jq_true '.result == "set" and .retry_unix == null' <<<"$cstate"
check "...one PUT on the camera that came back" [ "$(json puts "$(camera_status)")" = 1 ]

# --- A reboot: the log keeps its lines and grows; the Pi is not reliable; camsync refuses.
log=$(inside cat $ALOG)
show "cat $ALOG" "$log"
check "the activity log holds the phone's set and the camera request" \
  jq_true -s 'any(.event == "phone_set" and .result == "set") and any(.event == "camera_request" and .result == "requested")' <<<"$log"
inside cat $ALOG >"$WORK/log-before.jsonl"
lines=$(wc -l <"$WORK/log-before.jsonl")
boot1=$(boot_id)
reboot_container || { finish; exit; }
check "the reboot changed the boot_id" [ "$(boot_id)" != "$boot1" ]
check "sntpd.service is active again" wait_active sntpd.service
check "the camera emulator listens in the new network namespace" camera cam2
retry_unix=$(json retry_unix "$cstate")
time=$(pi_time)
show "curl --cacert /etc/lansync/https.crt $PI/time     # after the reboot, before any phone" "$time"
check "GET /time: not synchronized ($(json detail "$time"))" \
  jq_true '(.synchronized | not) and .stratum == 16 and (.detail | test("earlier boot"))' <<<"$time"
# camsync-watch.service (enabled) hears the camera appear: camsync runs, and refuses.
appeared_refused() {
  jq_true '.result == "refused" and .camera_appeared_unix_ms != null' <(inside cat $CAMERA_STATE) &&
    [ "$(inside systemctl is-active camsync.service)" != activating ]
}
check "the camera's appearance after the reboot started camsync, which refused" wait_until 60 appeared_refused
reply=$(post_sync_camera)
show "curl -X POST -H 'Origin: $PI' $PI/sync-camera" "$reply"
check "POST /sync-camera: 409 not_reliable" \
  [ "$(tail -1 <<<"$reply") $(json reason "$(head -1 <<<"$reply")")" = "409 not_reliable" ]
t_run=$(date +%s)
check "systemctl start camsync.service (as camsync.timer does 2 min after boot)" inside systemctl start camsync.service
cstate=$(inside cat $CAMERA_STATE)
show "cat $CAMERA_STATE" "$cstate"
check "camsync refused: result refused, from an earlier boot ($(json message "$cstate"))" \
  jq_true ".result == \"refused\" and .last_run_unix >= $t_run" <<<"$cstate"
cam=$(camera_status)
check "...the camera untouched (no PUT, still $(json offset_s "$cam") s off)" \
  eval '[ "$(json puts "$cam")" = 0 ] && near "$(json offset_s "$cam")" -7 0.5'
# A no_client line of this boot: among the lines after the $lines kept from before the reboot
# (a slow machine may have written one before it too).
no_client() { inside tail -n "+$((lines + 1))" $ALOG | jq -e -s 'any(.event == "no_client")' >/dev/null; }
check "after no-client-after (5 s) without a phone: a no_client line" wait_until 30 no_client
log=$(inside cat $ALOG)
check "the activity log kept its $lines lines from before the reboot" cmp -s <(head -n "$lines" <<<"$log") "$WORK/log-before.jsonl"
check "...and new lines were appended ($(($(wc -l <<<"$log") - lines)))" \
  eval '[ "$(tail -n +$((lines + 1)) <<<"$log" | jq -r .event | sort | paste -sd " ")" = "camera_request no_client" ]'
show "tail -n 2 $ALOG" "$(tail -n 2 <<<"$log")"
check "systemctl --failed is empty" [ -z "$(inside systemctl --failed --no-legend --plain)" ]
finish
