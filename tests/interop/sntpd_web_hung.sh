#!/usr/bin/env bash
# A web process that is alive but stuck (here SIGSTOPped: it neither exits nor answers) is noticed
# by sntpd's heartbeat (a Ping every 5 s over the channel, answered from the thread that serves
# HTTP): after 3 unanswered Pings over 15 s sntpd logs it, kills it with SIGKILL and starts it
# again, GET /time answers again, and NTP replies never stop meanwhile.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

start_sntpd pi --listen 127.0.0.1:11160 --local-stratum 10 --clock simulated --http 127.0.0.1:11161
sntpd_pid=$LAST_PID
wait_for_log pi "http: serving on 127.0.0.1:11161"
web_pid() { pgrep -P "$sntpd_pid" -x sntpd-web; }
wait_until "$DEADLINE_S" web_pid >/dev/null
web=$(web_pid)
check "sntpd-web runs as a child of sntpd (pid ${web:-none})" [ -n "$web" ]
time_ok() { [ "$(curl -s --max-time 2 http://127.0.0.1:11161/time | jq -r .stratum 2>/dev/null)" = 10 ]; }
check "GET /time answers" time_ok

# NTP queries all along (at most 300, about a minute), until the test says stop.
(
  for _ in $(seq 300); do
    [ -e "$WORK/stop" ] && break
    "$BIN/ntpprobe" -o json -n 1 -t 0.5 127.0.0.1:11160 >/dev/null 2>&1 && echo ok || echo lost
    sleep 0.2
  done
) >"$WORK/probes" &
probes=$!

kill -STOP "$web"
# (15 s, the heartbeat's limit, or a few more when its beats ran late.)
warning="http: sntpd-web (pid $web) did not answer for 1[5-9] s; killing and starting it again"
wait_until 40 grep -q -- "$warning" "$WORK/pi.log"
wait_for_log pi "$warning"
check "sntpd warned that the stopped one did not answer, once" [ "$(grep -c -- "did not answer" "$WORK/pi.log")" = 1 ]
check "...then the kill, by signal 9" wait_until "$DEADLINE_S" grep -q "sntpd-web (pid $web) was killed by signal 9" \
  "$WORK/pi.log"
restarted() { local p; p=$(web_pid) && [ "$p" != "$web" ]; }
check "sntpd started a new one" wait_until 40 restarted
check "...and the stopped one is gone (pid $web)" eval '! kill -0 "$web" 2>/dev/null'
check "GET /time answers again" wait_until "$DEADLINE_S" time_ok
touch "$WORK/stop"
wait "$probes"
check "NTP replies never stopped ($(grep -c ok "$WORK/probes") of $(wc -l <"$WORK/probes") answered)" \
  [ "$(grep -c lost "$WORK/probes")" = 0 ]
counts=$("$BIN/sntpd" status --json --control "$WORK/pi.sock" | jq -c '[.http.web_hung, .http.web_restarts]')
check "sntpd status counts it ([web_hung, web_restarts] = $counts)" [ "$counts" = "[1,1]" ]
check "...and so do the metrics" eval 'curl -s --max-time 2 http://127.0.0.1:11161/metrics |
  grep -q "^sntpd_http_web_hung_total 1$"'

kill "$sntpd_pid"
wait "$sntpd_pid" 2>/dev/null || true
check "...and saw no malformed channel message" eval '! grep -q "malformed message" "$WORK/pi.log"'
finish
