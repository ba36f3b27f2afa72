#!/usr/bin/env bash
# A device on the LAN that may not set the clock posts /set up to 10 000 times (30 s at most): each
# refusal is counted, none reaches the activity log, the daemon's log gets one
# line for the reason, and an allowed phone then still sets the clock with a
# fresh token, while replaying that token is refused as reused.
source "$(dirname "$0")/../interop/lib.sh"
enter_private_netns "$@"

start_sntpd victim --listen 127.0.0.1:11123 --clock simulated --simulated-offset -5 \
  --http 127.0.0.1:8123 --http-set-allow 127.0.0.2/32 --state "$WORK/state.json" \
  --activity-log "$WORK/activity.log"
wait_for_log victim "http: serving on 127.0.0.1:8123"

python3 - >"$WORK/attack.out" 2>&1 <<'PY'
import http.client, json, threading, time
body = json.dumps({"token": "x", "t1_ms": 1, "t4_ms": 2})
end = time.monotonic() + 30  # bounded in count (10 000) and time
count = [0] * 8
def attack(k):
    conn = None
    while sum(count) < 10000 and time.monotonic() < end:
        try:
            conn = conn or http.client.HTTPConnection("127.0.0.1", 8123, timeout=5, source_address=("127.0.0.1", 0))
            conn.request("POST", "/set", body, {"Content-Type": "application/json"})
            conn.getresponse().read()
            count[k] += 1
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = None
threads = [threading.Thread(target=attack, args=(k,)) for k in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(sum(count))
PY
sent=$(tail -n 1 "$WORK/attack.out")
refused=$("$BIN/sntpd" status --json --control "$WORK/victim.sock" | jq .http.refused.not_allowed)
lines=$(grep -c "may not set the clock" "$WORK/victim.log" || true)
size=$(stat -c %s "$WORK/activity.log" 2>/dev/null || echo 0)
echo "      $sent refused posts sent; counted $refused; daemon log lines $lines; activity log $size bytes"
check "thousands of posts were sent ($sent; 10 000 unless the 30 s ran out)" [ "$sent" -ge 1000 ]
check "each was refused and counted (not_allowed)" [ "$refused" = "$sent" ]
check "the activity log grew by less than 64 KB ($size bytes)" [ "$size" -lt 65536 ]
check "the daemon's log has one line for the reason, not 10 000 ($lines)" [ "$lines" -le 2 ]

# The allowed phone (127.0.0.2): a fresh exchange sets the clock; its token replayed is refused.
python3 - >"$WORK/phone.out" 2>&1 <<'PY'
import http.client, json, time
def conn():
    return http.client.HTTPConnection("127.0.0.1", 8123, timeout=5, source_address=("127.0.0.2", 0))
c = conn()
t1 = time.time() * 1000
c.request("GET", "/exchange")
x = json.loads(c.getresponse().read())
t4 = time.time() * 1000
body = json.dumps({"token": x["token"], "t1_ms": t1, "t4_ms": t4})
for _ in range(2):
    c.request("POST", "/set", body, {"Content-Type": "application/json"})
    r = json.loads(c.getresponse().read())
    print(r["result"], r.get("reason", "none"))
PY
check "the allowed phone sets the clock ($(sed -n 1p "$WORK/phone.out"))" [ "$(sed -n 1p "$WORK/phone.out")" = "set none" ]
check "its token replayed is refused as reused ($(sed -n 2p "$WORK/phone.out"))" \
  [ "$(sed -n 2p "$WORK/phone.out")" = "refused reused" ]
# Within the uncertainty sntpd gave the set, and 1 ms for the phone's millisecond stamps.
victim_status=$("$BIN/sntpd" status --json --control "$WORK/victim.sock")
set_err=$(sum "$(jq -r '.http.last_set.uncertainty_s // -1' <<<"$victim_status")" 0.001)
check "the simulated clock moved to the phone's time ($(jq .clock.simulated_offset_s <<<"$victim_status") s, +- $set_err s)" \
  near "$(jq .clock.simulated_offset_s <<<"$victim_status")" 0 "$set_err"
check "the activity log holds the phone's set and its replay, not the flood" \
  [ "$(jq -r .reason "$WORK/activity.log" | paste -sd ' ')" = "none reused" ]
finish
