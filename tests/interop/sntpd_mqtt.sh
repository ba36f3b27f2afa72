#!/usr/bin/env bash
# sntpd --mqtt against a real mosquitto broker on loopback: Home Assistant's
# discovery configs and the state arrive retained; a phone set changes the
# state; kill -9 sntpd and the availability says offline; the broker stopped
# and started again: sntpd-mqtt reconnects and publishes everything again,
# logged once, NTP answered throughout; a broker that takes the connection and
# never reads again: the publisher's memory stays bounded and what it could
# not send is counted; mqtts with a test CA and a password file; bad settings
# are one line and exit 2.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
if [ ! -x "$MOSQUITTO" ] || ! command -v mosquitto_sub >/dev/null; then
  echo "SKIP: needs Debian's mosquitto and mosquitto-clients (scripts/install-deps.sh --test)"
  exit $SKIP
fi

# broker NAME PORT [CONF LINES...]: mosquitto on 127.0.0.1:PORT, without persistence (a restart
# loses the retained messages, as a broker's first start would), root in this namespace.
broker() {
  local name=$1 port=$2
  shift 2
  printf '%s\n' "user root" "persistence false" "log_dest stderr" "log_type all" \
    "listener $port 127.0.0.1" "$@" >"$WORK/$name.conf"
  : >"$WORK/$name.log"
  start "$name" "$MOSQUITTO" -c "$WORK/$name.conf"
  wait_for_log "$name" "Opening ipv4 listen socket on port $port"
}

# retained PORT COUNT [mosquitto_sub options]: the retained messages under lansync/# and
# homeassistant/#, "RETAIN TOPIC PAYLOAD" lines, once COUNT have come (at most 10 s).
retained() {
  local port=$1 count=$2
  shift 2
  timeout 15 mosquitto_sub -p "$port" -t 'lansync/#' -t 'homeassistant/#' -F '%r %t %p' -C "$count" -W 10 \
    "$@" 2>/dev/null || true
}

sntpd_json() { "$BIN/sntpd" status --json --control "$WORK/$1.sock"; }
mqtt_field() { sntpd_json "$1" | jq -r ".mqtt.$2"; }

# --- the state and discovery, retained --------------------------------------------------
broker b1 11883 "allow_anonymous true"
start_sntpd pi --listen 127.0.0.1:11150 --clock simulated --simulated-offset 5 --state "$WORK/state" \
  --drift-file '' --activity-log "$WORK/activity.jsonl" --camera-state "$WORK/camera.json" \
  --http 127.0.0.1:11151 --http-set-allow 127.0.0.0/8 --mqtt mqtt://127.0.0.1:11883/lansync/test
pi=$LAST_PID
wait_for_log pi "sntpd-mqtt: connected to 127.0.0.1:11883"
got=$(retained 11883 13)
configs=$(grep -c '^1 homeassistant/.*/config {' <<<"$got" || true)
check "Home Assistant's discovery configs arrive retained ($configs)" [ "$configs" = 11 ]
check "...one device, 'lansync on $(hostname)'" \
  [ "$(grep '^1 homeassistant/' <<<"$got" | cut -d' ' -f3- | jq -r .device.name | sort -u)" = "lansync on $(hostname)" ]
check "...the state topic it names is lansync/test/state" \
  [ "$(grep '^1 homeassistant/' <<<"$got" | cut -d' ' -f3- | jq -r .state_topic | sort -u)" = lansync/test/state ]
check "availability is 'online', retained" grep -qx '1 lansync/test/availability online' <<<"$got"
state=$(sed -n 's/^1 lansync\/test\/state //p' <<<"$got")
check "the state is retained and says unsynchronized, stratum 16 ($state)" \
  jq_true '.synchronized == false and .stratum == 16 and .source == "none"' <<<"$state"
echo "      $(grep '^1 homeassistant/binary_sensor' <<<"$got" | cut -d' ' -f2-)"
echo "      lansync/test/state $state"

# --- a phone set changes the state ----------------------------------------------------
# The retained state first (the subscription is in place), then the change.
timeout 20 mosquitto_sub -p 11883 -t lansync/test/state -C 2 -W 15 -F '%U %p' >"$WORK/changed" 2>/dev/null &
sub=$!
wait_until "$DEADLINE_S" test -s "$WORK/changed"
curl_set 127.0.0.1:11151
set_at=$(date +%s.%N)
wait "$sub" || true
changed=$(tail -n 1 "$WORK/changed" | cut -d' ' -f2-)
check "a phone set changes the state: synchronized, source phone, the set recorded ($(json result "$set"))" \
  jq_true '.synchronized == true and .source == "phone" and .phone.result == "set"' <<<"$changed"
latency=$(awk -v a="$(tail -n 1 "$WORK/changed" | cut -d' ' -f1)" -v b="$set_at" 'BEGIN { printf "%.3f", a - b }')
echo "      the new state reached the subscriber $latency s after the set's answer (sntpd looks every second)"

# --- the broker stopped and started again; NTP answered throughout -------------------------
(
  for _ in $(seq 40); do
    "$BIN/ntpprobe" -o json -n 1 -t 0.5 127.0.0.1:11150 >/dev/null 2>&1 && echo ok || echo lost
    sleep 0.2
  done
) >"$WORK/probes" &
probes=$!
kill "$(pgrep -f "$WORK/b1.conf")"
check "sntpd says it is not connected once the broker is gone" \
  wait_until "$DEADLINE_S" eval '[ "$(mqtt_field pi connected)" = false ]'
check "...and retries: 3 failures within 1 + 2 + 4 s and more (backoff)" \
  wait_until "$DEADLINE_S" eval '[ "$(mqtt_field pi failures)" -ge 3 ]'
warned=$(grep -c 'sntpd-mqtt: warning: \(lost the connection\|cannot connect\)' "$WORK/pi.log" || true)
check "...logged once, not at each retry ($warned line, $(mqtt_field pi failures) failures)" [ "$warned" = 1 ]
broker b1 11883 "allow_anonymous true"
check "the broker back: sntpd-mqtt connects again, and says after how many attempts" \
  wait_until $((DEADLINE_S * 2)) grep -q 'sntpd-mqtt: connected to 127.0.0.1:11883 after [0-9]* failed attempt' \
  "$WORK/pi.log"
got=$(retained 11883 13)
check "...and publishes the discovery configs and the state again ($(grep -c '^1 ' <<<"$got" || true) retained)" \
  [ "$(grep -c '^1 homeassistant/' <<<"$got" || true)" = 11 ]
check "...the state as it is now (synchronized by the phone)" \
  jq_true '.synchronized == true and .source == "phone"' <<<"$(sed -n 's/^1 lansync\/test\/state //p' <<<"$got")"
wait "$probes"
check "NTP answered all along ($(grep -c ok "$WORK/probes") of $(wc -l <"$WORK/probes"))" \
  [ "$(grep -c lost "$WORK/probes" || true)" = 0 ]
st=$("$BIN/sntpd" status --control "$WORK/pi.sock")
check "sntpd status says it: $(grep '^MQTT messages' <<<"$st")" grep -q '^MQTT             : mqtt://127.0.0.1:11883/lansync/test, connected' <<<"$st"
metrics=$(curl -s --max-time 5 http://127.0.0.1:11151/metrics)
check "/metrics: sntpd_mqtt_connected 1, failures counted" \
  eval 'grep -qx "sntpd_mqtt_connected 1" <<<"$metrics" && grep -qE "^sntpd_mqtt_failures_total [1-9]" <<<"$metrics"'

# --- the publisher killed, then sntpd killed: the last will, then "offline" -----------------
timeout 40 mosquitto_sub -p 11883 -t lansync/test/availability -C 4 -W 35 >"$WORK/availability" 2>/dev/null &
sub=$!
wait_until "$DEADLINE_S" test -s "$WORK/availability"
mqtt_pid=$(pgrep -P "$pi" -x sntpd-mqtt)
kill -9 "$mqtt_pid"
wait_for_log pi "sntpd-mqtt (pid $mqtt_pid) was killed by signal 9; starting it again in 1 s"
check "kill -9 of sntpd-mqtt: the broker says its last will, then the new one says online" \
  wait_until "$DEADLINE_S" eval '[ "$(tr "\n" " " <"$WORK/availability")" = "online offline online " ]'
kill -9 "$pi"
wait "$sub" || true
check "kill -9 of sntpd: availability says offline ($(tr '\n' ' ' <"$WORK/availability"))" \
  [ "$(tail -n 1 "$WORK/availability")" = offline ]
check "...retained, for whoever looks later" grep -qx '1 lansync/test/availability offline' <<<"$(retained 11883 13)"

# --- a broker that accepts the connection, acknowledges it, and never reads again ------------
python3 - >"$WORK/stuck.log" 2>&1 <<'PY' &
import socket, threading, time
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)  # its window fills at once
srv.bind(("127.0.0.1", 11884))
srv.listen(8)
print("listening", flush=True)
held = []
deadline = time.monotonic() + 300
srv.settimeout(1)
while time.monotonic() < deadline:
    try:
        c, _ = srv.accept()
    except socket.timeout:
        continue
    c.settimeout(5)
    try:
        c.recv(1)  # the CONNECT's first byte, then its acknowledgement; nothing is read after that
        c.sendall(b"\x20\x02\x00\x00")
        print("accepted", flush=True)
    except OSError:
        pass
    held.append(c)
PY
BG_PIDS+=($!)
wait_for_log stuck listening
start_sntpd stuck_pi --listen 127.0.0.1:11160 --clock simulated --state "$WORK/state2" --drift-file '' \
  --activity-log "$WORK/activity2.jsonl" --camera-state "$WORK/camera2.json" --http 127.0.0.1:11161 \
  --http-set-allow 127.0.0.0/8 --mqtt mqtt://127.0.0.1:11884
wait_for_log stuck accepted
wait_for_log stuck_pi "sntpd-mqtt: connected to 127.0.0.1:11884"
mqtt_pid=$(pgrep -P "$LAST_PID" -x sntpd-mqtt)
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
before=$(rss "$mqtt_pid")
# A phone's set, then its verifications: a new state each time (the last phone's time), at most
# 40 of them, until some could not go.
for _ in $(seq 40); do
  curl_set 127.0.0.1:11161
  [ "$(mqtt_field stuck_pi dropped)" -ge 5 ] && break
  sleep 0.5 # sntpd looks at the state once a second: spread the sets over that many
done
after=$(rss "$mqtt_pid")
dropped=$(mqtt_field stuck_pi dropped)
check "a broker that never reads: newer states replace the ones that could not go, counted ($dropped)" \
  [ "$dropped" -ge 5 ]
# Its bound: Outbox::kMaxTopics payloads of os::mqtt::kMaxPayload (512 KiB), and 1 MiB of slack.
check "...and sntpd-mqtt's memory stays bounded (VmRSS $before kB -> $after kB, bound +1536 kB)" \
  [ $((after - before)) -le 1536 ]
check "...while NTP is answered" "$BIN/ntpprobe" -n 1 -t 1 127.0.0.1:11160
kill "$LAST_PID" 2>/dev/null || true

# --- mqtts, a test CA, a password file ------------------------------------------------------
make_cert broker
mosquitto_passwd -c -b "$WORK/passwords" hub 'correct horse' 2>/dev/null
chmod 0644 "$WORK/passwords"
broker b2 11885 "allow_anonymous false" "password_file $WORK/passwords" "certfile $WORK/broker.crt" \
  "keyfile $WORK/broker.key"
printf 'username hub\npassword correct horse\n' >"$WORK/creds"
chmod 0600 "$WORK/creds"
start_sntpd tls_pi --listen 127.0.0.1:11170 --clock simulated --local-stratum 10 --state "$WORK/state3" \
  --drift-file '' --mqtt mqtts://localhost:11885/lansync/tls --mqtt-credentials "$WORK/creds" \
  --mqtt-ca "$WORK/broker.crt"
wait_for_log tls_pi "sntpd-mqtt: connected to localhost:11885"
got=$(retained 11885 13 --cafile "$WORK/broker.crt" -h localhost -u hub -P 'correct horse')
check "mqtts with the test CA and a password file: the state arrives ($(grep -c '^1 ' <<<"$got" || true) retained)" \
  jq_true '.synchronized == true and .stratum == 10' <<<"$(sed -n 's/^1 lansync\/tls\/state //p' <<<"$got")"
printf 'username hub\npassword wrong\n' >"$WORK/wrong"
start_sntpd wrong_pi --listen 127.0.0.1:11171 --clock simulated --state "$WORK/state4" --drift-file '' \
  --mqtt mqtts://localhost:11885/lansync/wrong --mqtt-credentials "$WORK/wrong" \
  --mqtt-ca "$WORK/broker.crt"
check "a wrong password: refused, retried (2 failures or more)" \
  wait_until "$DEADLINE_S" eval '[ "$(mqtt_field wrong_pi failures)" -ge 2 ]'
check "...logged once, saying why ($(grep -c 'sntpd-mqtt: warning' "$WORK/wrong_pi.log") line)" \
  eval '[ "$(grep -c "sntpd-mqtt: warning" "$WORK/wrong_pi.log")" = 1 ] && grep -q "refused the connection (Connection Refused: not authorised" "$WORK/wrong_pi.log"'
check "...and its status names it: $(mqtt_field wrong_pi last_error)" \
  grep -q 'not authorised' <<<"$(mqtt_field wrong_pi last_error)"
start_sntpd untrusted --listen 127.0.0.1:11172 --clock simulated --state "$WORK/state5" --drift-file '' \
  --mqtt mqtts://localhost:11885 --mqtt-credentials "$WORK/creds"
check "a broker whose certificate no system CA signed (no --mqtt-ca): refused" \
  wait_until "$DEADLINE_S" eval '[ "$(mqtt_field untrusted failures)" -ge 1 ] && [ "$(mqtt_field untrusted connects)" = 0 ]'
check "...saying why: $(mqtt_field untrusted last_error)" grep -qi 'tls' <<<"$(mqtt_field untrusted last_error)"

# --- bad settings: one line, exit 2 -------------------------------------------------------
expect_message 2 "--mqtt http://...: refused" "--mqtt: 'http://pi' does not start with mqtt:// or mqtts://" \
  "$BIN/sntpd" --user root --listen 127.0.0.1:11180 --mqtt http://pi
expect_message 2 "--mqtt with a password in the URL: refused" "--mqtt-credentials FILE, not in the URL" \
  "$BIN/sntpd" --user root --listen 127.0.0.1:11180 --mqtt mqtt://hub:secret@pi
expect_message 2 "--mqtt-credentials that cannot be read: refused" "--mqtt-credentials: " \
  "$BIN/sntpd" --user root --listen 127.0.0.1:11180 --mqtt mqtt://pi --mqtt-credentials "$WORK/missing"
printf 'user hub\n' >"$WORK/badcreds"
expect_message 2 "--mqtt-credentials with an unknown line: refused, naming it" "line 1: unknown setting 'user'" \
  "$BIN/sntpd" --user root --listen 127.0.0.1:11180 --mqtt mqtt://pi --mqtt-credentials "$WORK/badcreds"
expect_message 2 "--mqtt-ca with mqtt://: refused" "--mqtt-ca needs an mqtts:// URL" \
  "$BIN/sntpd" --user root --listen 127.0.0.1:11180 --mqtt mqtt://pi --mqtt-ca "$WORK/broker.crt"
expect_message 2 "--mqtt-ca that is not a certificate: refused" "--mqtt-ca: $WORK/creds" \
  "$BIN/sntpd" --user root --listen 127.0.0.1:11180 --mqtt mqtts://pi --mqtt-ca "$WORK/creds"
finish
