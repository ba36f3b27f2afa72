#!/usr/bin/env bash
# sntpd's web side is a process of its own (sntpd-web): it runs without any
# capability, is the first the kernel kills when memory runs out, and when it
# dies sntpd logs it and starts it again while NTP replies never stop.  A
# client that trickles its request one byte at a time is closed at the
# request's deadline (libmicrohttpd alone would wait for ever: every byte
# restarts its idle timeout).
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

start_sntpd pi --listen 127.0.0.1:11140 --local-stratum 10 --clock simulated --http 127.0.0.1:11141
sntpd_pid=$LAST_PID
wait_for_log pi "http: serving on 127.0.0.1:11141"
web_pid() { pgrep -P "$sntpd_pid" -x sntpd-web; }
wait_until "$DEADLINE_S" web_pid >/dev/null
web=$(web_pid)
check "sntpd-web runs as a child of sntpd (pid ${web:-none})" [ -n "$web" ]
caps=$(grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb):' "/proc/$web/status" | awk '{print $2}' | sort -u)
check "...with no capability at all, though sntpd runs as root here ($caps)" [ "$caps" = 0000000000000000 ]
check "...with no_new_privs" grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$web/status"
check "...the first the kernel kills when memory runs out (oom_score_adj $(cat "/proc/$web/oom_score_adj"))" \
  [ "$(cat "/proc/$web/oom_score_adj")" = 1000 ]
# A sanitizer build (scripts/test.sh's, and its tsan phase's sntpd) sets no limit: the
# sanitizers' shadow memory would exceed it.  The system tier checks the limit of the packaged
# sntpd (tests/system/phone.sh).
if readelf -d "$BIN/sntpd" | grep -qE 'lib(asan|tsan)'; then
  echo "      (a sanitizer build: the web process's data limit is not set, not checked here; system.phone checks it)"
else
  check "...its data segment bounded (RLIMIT_DATA 64 MiB)" \
    grep -qE '^Max data size +67108864 +67108864' "/proc/$web/limits"
fi
time_ok() { [ "$(curl -s --max-time 2 http://127.0.0.1:11141/time | jq -r .stratum 2>/dev/null)" = 10 ]; }
check "GET /time answers" time_ok

# NTP queries all along, bounded in count, while the web process is killed and restarted.
(
  for _ in $(seq 60); do
    "$BIN/ntpprobe" -o json -n 1 -t 0.5 127.0.0.1:11140 >/dev/null 2>&1 && echo ok || echo lost
    sleep 0.1
  done
) >"$WORK/probes" &
probes=$!
wait_until "$DEADLINE_S" test -s "$WORK/probes"  # some answered before the kill
kill -9 "$web"
wait_for_log pi "sntpd-web (pid $web) was killed by signal 9; starting it again in 1 s"
restarted() { local p; p=$(web_pid) && [ "$p" != "$web" ]; }
check "sntpd started it again" wait_until "$DEADLINE_S" restarted
check "GET /time answers again" wait_until "$DEADLINE_S" time_ok
wait "$probes"
check "NTP replies never stopped ($(grep -c ok "$WORK/probes") of $(wc -l <"$WORK/probes") answered)" \
  [ "$(grep -c lost "$WORK/probes")" = 0 ]
requests=$("$BIN/sntpd" status --json --control "$WORK/pi.sock" | jq .http.requests.time)
check "sntpd status keeps counting across the restart ($requests GET /time)" [ "$requests" -ge 2 ]

# A client trickling its request line one byte at a time (at most 30 s of it).
python3 - >"$WORK/trickle.out" 2>&1 <<'PY'
import socket, time
s = socket.create_connection(("127.0.0.1", 11141))
start = time.monotonic()
closed = False
for c in b"GET /time HTTP/1.1\r\nX-Slow: " + b"a" * 100:
    try:
        s.send(bytes([c]))
        s.settimeout(0.5)
        if s.recv(1) == b"":
            closed = True
            break
    except socket.timeout:
        pass
    except OSError:
        closed = True
        break
    if time.monotonic() - start > 30:
        break
print("closed" if closed else "open")
PY
check "a trickling client is closed at the request's deadline ($(cat "$WORK/trickle.out"))" \
  [ "$(cat "$WORK/trickle.out")" = closed ]
check "GET /time still answers" time_ok
check "...and the closure is counted and logged once" grep -q "refused a request (deadline)" "$WORK/pi.log"

web=$(web_pid)
kill "$sntpd_pid"
wait "$sntpd_pid" 2>/dev/null || true
check "sntpd stopped its web process on shutdown" eval '! kill -0 "$web" 2>/dev/null'
check "...and saw no malformed channel message" eval '! grep -q "malformed message" "$WORK/pi.log"'
finish
