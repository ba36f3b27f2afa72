#!/usr/bin/env bash
# A forging upstream cannot take the time away: sntpd --clock simulated (never
# the real clock) follows a small NTP server of the test's own, in this test's
# private network namespace, that lies in every way it can:
#   - unsigned replies (and an unsigned KoD DENY) to an upstream with a key;
#   - replies signed with the wrong key;
#   - the genuine signed reply to the first request, replayed to every later one;
#   - a first sample a year ahead, alone; and then followed by the truth;
#   - the truth, then a jump of one hour once sntpd has synchronized;
#   - KoD DENY, and KoD RATE.
# A key ID that --keys does not hold is a usage error.
# Each sntpd gets its own server port; all run at once, through their start-up
# burst of four requests.  What is checked is what a user sees: the simulated
# clock's offset (`sntpd status --json`), the per-server counters and state,
# the log lines, and how many requests the server got.
source "$(dirname "$0")/../interop/lib.sh"
enter_private_netns "$@"

K1=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
printf '1 SHA256 HEX:%s\n' $K1 >"$WORK/ntp.keys"
chmod 600 "$WORK/ntp.keys"

# The forging server: one UDP port per behaviour, a line per request in its log ("SECONDS PORT MODE
# request N", SECONDS on the monotonic clock).  It lives until the test ends (600 s at most).
python3 - "$K1" >"$WORK/forger.log" 2>&1 <<'PY' &
import hashlib, select, socket, struct, sys, time

KEY = bytes.fromhex(sys.argv[1])
WRONG = bytes(b ^ 0xFF for b in KEY)
YEAR, HOUR = 365 * 86400, 3600
MODES = {11201: "unsigned", 11202: "wrong-mac", 11203: "replay", 11204: "year-alone",
         11205: "year-then-truth", 11206: "jump-after-sync", 11207: "deny", 11208: "rate"}

def ntp(t):
    t += 2208988800
    return struct.pack("!II", int(t) & 0xFFFFFFFF, int((t % 1) * 2**32))

def reply(req, offset=0.0, kiss=None, key=None):
    t = time.time() + offset
    first = 0x24 if kiss is None else 0xE4  # LI 0 (3 for a kiss), v4, server
    stratum, refid = (0, kiss.encode()) if kiss else (2, socket.inet_aton("10.0.0.1"))
    pkt = struct.pack("!BBbb", first, stratum, 6, -20) + struct.pack("!II", 0, 0x10) + refid
    pkt += ntp(t - 1) + req[40:48] + ntp(t) + ntp(t)
    if key is not None:  # as sntpd signs: key ID 1, H(key || packet) cut to 20 bytes in NTPv4
        pkt += struct.pack("!I", 1) + hashlib.sha256(key + pkt).digest()[:20]
    return pkt

socks = {}
for port in MODES:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    socks[s] = port
count = {p: 0 for p in MODES}
first_reply = {}
print("listening", flush=True)
end = time.monotonic() + 600
while time.monotonic() < end:
    ready, _, _ = select.select(list(socks), [], [], 0.2)
    for s in ready:
        req, addr = s.recvfrom(512)
        port = socks[s]
        mode = MODES[port]
        count[port] += 1
        n = count[port]
        if mode == "unsigned":  # every other one a KoD DENY, unsigned too
            out = reply(req, kiss="DENY") if n % 2 else reply(req, HOUR)
        elif mode == "wrong-mac":
            out = reply(req, HOUR, key=WRONG)
        elif mode == "replay":
            if n == 1:
                first_reply[port] = reply(req, key=KEY)
            out = first_reply[port]
        elif mode == "year-alone":
            out = reply(req, YEAR) if n == 1 else None
        elif mode == "year-then-truth":
            out = reply(req, YEAR if n == 1 else 0)
        elif mode == "jump-after-sync":
            out = reply(req, 0 if n <= 3 else HOUR)
        elif mode == "deny":
            out = reply(req, kiss="DENY")
        else:
            out = reply(req, kiss="RATE")
        if out is not None:
            s.sendto(out, addr)
        print(f"{time.monotonic():.3f} {port} {mode} request {n}", flush=True)
PY
BG_PIDS+=($!)
wait_for_log forger "^listening"

# name PORT [sntpd options...]: one sntpd following the forger on PORT.
follow() {
  local name=$1 port=$2
  shift 2
  start_sntpd "$name" --listen "127.0.0.1:$((port + 100))" --clock simulated --state "$WORK/$name.state" \
    --drift-file "" --keys "$WORK/ntp.keys" "$@"
}
follow unsigned 11201 --upstream 127.0.0.1:11201 key 1
printf 'upstream 127.0.0.1:11202 key 1\n' >"$WORK/wrongmac.conf"  # the config file's way of saying it
follow wrongmac 11202 --config "$WORK/wrongmac.conf"
follow replay 11203 --simulated-offset -5 --upstream 127.0.0.1:11203 key 1
follow yearalone 11204 --upstream 127.0.0.1:11204
follow yeartruth 11205 --simulated-offset -2 --upstream 127.0.0.1:11205
follow jump 11206 --simulated-offset -2 --upstream 127.0.0.1:11206
follow deny 11207 --upstream 127.0.0.1:11207
follow rate 11208 --upstream 127.0.0.1:11208

status() { "$BIN/sntpd" status --json --control "$WORK/$1.sock" 2>/dev/null; }
field() { jq -r "$2" <<<"$(status "$1")"; }
offset() { field "$1" .clock.simulated_offset_s; }
requests() { grep -c "^[0-9.]* $1 " "$WORK/forger.log" || true; }
# gap PORT: seconds between the first two requests on PORT ("none" before a second).
gap() { awk -v p="$1" '$2 == p { t[++n] = $1 } END { print n < 2 ? "none" : t[2] - t[1] }' "$WORK/forger.log"; }
# burst_over PORT: no second request on PORT, or one at least 64 s after the first (a burst's are 2 s apart).
burst_over() { [ "$(gap "$1")" = none ] || awk -v g="$(gap "$1")" 'BEGIN { exit !(g >= 64) }'; }
# counted NAME FIELD PORT LESS: sntpd NAME's upstreams[0].rejected.FIELD is the number of requests
# the forger answered on PORT less LESS (the genuine replies).  Equal between polls; on a slow
# machine the poll after the burst may have come too, so the check waits for it to hold.
counted() { [ "$(field "$1" ".upstreams[0].rejected.$2")" = "$(($(requests "$3") - $4))" ]; }
# rate_doubled: the RATE sntpd's poll interval is 64 s doubled once per kiss the forger sent.
rate_doubled() { [ "$(field rate .upstreams[0].poll_s)" = "$((64 << $(requests 11208)))" ]; }
# claim NAME: the error sntpd NAME states for its time (its root distance, s).
claim() { field "$1" '.reference.root_delay_s / 2 + .reference.root_dispersion_s'; }

# The start-up burst: four requests, 2 s apart, to each server that does not kiss.
for port in 11201 11202 11203 11204 11205 11206; do wait_for_log forger "^[0-9.]* $port .* request 4$"; done
# The fourth reply taken in (or refused) by each sntpd.
rejected_total() { field "$1" '[.upstreams[0].rejected[]] | add // 0' 2>/dev/null || echo 0; }
wait_until "$DEADLINE_S" eval '[ "$(rejected_total unsigned)" -ge 4 ] && [ "$(rejected_total wrongmac)" -ge 4 ]' || true
wait_until "$DEADLINE_S" eval '[ "$(rejected_total replay)" -ge 3 ] && [ "$(rejected_total jump)" -ge 1 ]' || true
wait_until "$DEADLINE_S" eval '[ "$(field yeartruth .reference.synchronized)" = true ]' || true

# --- Unsigned replies, and an unsigned KoD DENY, to an upstream with a key.
check "unsigned: every reply rejected as unauthenticated ($(field unsigned .upstreams[0].rejected.unauthenticated) of $(requests 11201))" \
  wait_until "$DEADLINE_S" counted unsigned unauthenticated 11201 0
check "unsigned: the forged DENY did not stop the polls ($(requests 11201) requests)" [ "$(requests 11201)" -ge 4 ]
check "unsigned: state '$(field unsigned .upstreams[0].state)'" \
  [ "$(field unsigned .upstreams[0].state)" = "reply not authenticated" ]
check "unsigned: the clock did not move ($(offset unsigned) s)" [ "$(offset unsigned)" = 0 ]

# --- Replies signed with another secret under the same key ID.
check "wrong MAC: every reply rejected as bad_mac ($(field wrongmac .upstreams[0].rejected.bad_mac) of $(requests 11202))" \
  wait_until "$DEADLINE_S" counted wrongmac bad_mac 11202 0
check "wrong MAC: the clock did not move ($(offset wrongmac) s)" [ "$(offset wrongmac)" = 0 ]
check "wrong MAC: unsynchronized" [ "$(field wrongmac .reference.synchronized)" = false ]

# --- The genuine first reply, replayed: valid MAC, but it answers no request.
check "replay: every replay rejected as stray ($(field replay .upstreams[0].rejected.stray) of $(requests 11203) replies, the first genuine)" \
  wait_until "$DEADLINE_S" counted replay stray 11203 1
check "replay: one genuine sample is not enough to move the clock ($(offset replay) s)" [ "$(offset replay)" = -5 ]
check "replay: state '$(field replay .upstreams[0].state)'" \
  [ "$(field replay .upstreams[0].state)" = "1 of 3 consistent samples" ]

# --- A year ahead, alone: no first step on one sample.
check "year alone: the clock did not move ($(offset yearalone) s)" [ "$(offset yearalone)" = 0 ]
check "year alone: unsynchronized" [ "$(field yearalone .reference.synchronized)" = false ]
check "year alone: state '$(field yearalone .upstreams[0].state)'" \
  [ "$(field yearalone .upstreams[0].state)" = "1 of 3 consistent samples" ]

# --- A year ahead, then three true samples: the step is to the truth.
check "year then truth: synchronized" [ "$(field yeartruth .reference.synchronized)" = true ]
check "year then truth: stepped by about +2 s, to the truth ($(offset yeartruth) s, +- $(claim yeartruth) s)" \
  near "$(offset yeartruth)" 0 "$(claim yeartruth)"
check "year then truth: never stepped by a year" \
  eval '! grep "stepped the clock" "$WORK/yeartruth.log" | grep -qv "stepped the clock by +[12]\."'

# --- The truth, then +1 h once synchronized: not applied, logged, counted.
check "jump: synchronized by the first three samples (offset $(offset jump) s, +- $(claim jump) s)" \
  near "$(offset jump)" 0 "$(claim jump)"
# The hour is measured from the clock as synchronized, within its stated error of the truth:
# +3599.999 s once on a loaded machine.
check "jump: the hour was not applied, and is logged" \
  grep -qE "upstream 127\.0\.0\.1:11206: offset \+3(599\.9|600\.0)[0-9]* s is beyond --max-change 1000 s: not applied \(1 in a row\)" \
  "$WORK/jump.log"
check "jump: counted as beyond_max_change ($(field jump .upstreams[0].rejected.beyond_max_change) of $(requests 11206) replies, 3 true)" \
  wait_until "$DEADLINE_S" counted jump beyond_max_change 11206 3

# --- KoD DENY: polls end, once logged; KoD RATE: the poll interval doubles.
check "DENY: one request only ($(requests 11207))" [ "$(requests 11207)" = 1 ]
check "DENY: state '$(field deny .upstreams[0].state)'" [ "$(field deny .upstreams[0].state)" = "kod DENY, not polled" ]
check "DENY: logged once" [ "$(grep -c "Kiss-o'-Death DENY (access denied): no longer polled" "$WORK/deny.log")" = 1 ]
check "DENY: the clock did not move ($(offset deny) s)" [ "$(offset deny)" = 0 ]
# Each RATE kiss doubles it from 64 s: 128 s after the first (a slow run may outlast that and get one more).
check "RATE: poll interval doubled by each of $(requests 11208) kisses ($(field rate .upstreams[0].poll_s) s)" \
  wait_until "$DEADLINE_S" rate_doubled
# A slow run may outlast the 128 s: then the next request came that long after, not 2 s as in a burst.
check "RATE: no more requests in the burst (after the first: $(gap 11208) s)" burst_over 11208
check "RATE: state '$(field rate .upstreams[0].state)'" [ "$(field rate .upstreams[0].state)" = "kod RATE" ]

# A key that --keys does not hold: a usage error, before anything is polled.
expect_exit 2 "--upstream with a key ID not in --keys" "$BIN/sntpd" --user root --control "$WORK/bad.sock" \
  --listen 127.0.0.1:0 --keys "$WORK/ntp.keys" --upstream 127.0.0.1:11201 key 9
check "...says which key, and where it was looked for" \
  grep -q "error: --upstream 127.0.0.1:11201 key 9: no such key in $WORK/ntp.keys" "$WORK/last.err"

# What `sntpd status` prints for a server whose replies were refused.
run_capture text "$BIN/sntpd" status --control "$WORK/wrongmac.sock"
# Four at least: on a slow machine the poll after the burst may have come too.
check "status text: the refusals on their own line" \
  grep -qE "rejected       : ([4-9]|[1-9][0-9]+) \(0 unauthenticated, \1 bad_mac, 0 stray, 0 beyond_max_change\)" <<<"$text"
finish
