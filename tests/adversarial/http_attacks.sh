#!/usr/bin/env bash
# An attacker on the LAN throws at sntpd's web side what costs it most, one
# attack after the other, each bounded in bytes and time: a 300 MB request
# line without LF, a POST /set with a 300 MB chunked body, a POST with a 300 MB
# body and no Content-Length, 100 000 headers, 64 connections trickling a byte
# a second (15 s), 2000 idle connections.  What a user would check, never a
# timing figure: the NTP process (sntpd) grows by less than 16 MB over the
# whole run (VmHWM against VmRSS at the start), NTP replies keep flowing
# during every attack and after, the web process (sntpd-web, sntpd's child;
# sntpd itself where there is no such child) stays under 64 MB (VmHWM) or was
# restarted (a new pid, and sntpd's log says so), a phone on another address
# still gets GET /time while connections are held, and GET /time answers
# afterwards, from 127.0.0.1 and from 127.0.0.2.
source "$(dirname "$0")/../interop/lib.sh"
enter_private_netns "$@"

NTP_PORT=11123
HTTP_PORT=8123
start_sntpd victim --listen 127.0.0.1:$NTP_PORT --clock simulated --http 127.0.0.1:$HTTP_PORT \
  --state "$WORK/state.json" --activity-log "$WORK/activity.log"
victim=$LAST_PID
wait_for_ntp 127.0.0.1:$NTP_PORT

# get_time SOURCE: GET /time from SOURCE answers 200 with a JSON body (5 s per try, 3 tries).
get_time() {
  local i
  for i in 1 2 3; do
    curl -sf --max-time 5 --interface "$1" "http://127.0.0.1:$HTTP_PORT/time" | jq -e . >/dev/null && return 0
    sleep 0.5
  done
  return 1
}
check "GET /time answers before the attacks" wait_until "$DEADLINE_S" get_time 127.0.0.1

rc=0
python3 "$(dirname "$0")/http_attacker.py" "$victim" "$NTP_PORT" "$HTTP_PORT" >"$WORK/attack.json" 2>"$WORK/attack.log" || rc=$?
sed 's/^/      /' "$WORK/attack.log"
check "the attacker ran to its end (exit $rc)" [ "$rc" -eq 0 ]
res=$(cat "$WORK/attack.json")
[ -n "$res" ] || { finish; exit 1; }
rss0=$(jq .before.VmRSS <<<"$res")
hwm=$(jq .after.VmHWM <<<"$res")
growth=$((hwm - rss0))
echo "      sntpd (NTP process): VmRSS $rss0 kB at the start, VmHWM $hwm kB at the end: grew by $growth kB"
check "the NTP process grew by less than 16 MB over the whole run ($growth kB)" [ "$growth" -lt 16384 ]

for p in long_line chunked_body no_length_body many_headers slow_connections idle_connections after; do
  sent=$(jq ".ntp.$p[0] // 0" <<<"$res")
  got=$(jq ".ntp.$p[1] // 0" <<<"$res")
  check "NTP answered during $p ($got of $sent requests)" [ "$((got * 10))" -ge "$((sent * 9))" -a "$sent" -gt 0 ]
done

web_pids=$(jq -r '.web | keys | join(" ")' <<<"$res")
web_hwm=$(jq '[.web[]] | max' <<<"$res")
if [ "$(jq '.web | length' <<<"$res")" -le 1 ] && [ "$web_pids" = "$victim" ]; then
  echo "      no sntpd-web child: sntpd itself serves HTTP"
fi
restarted() {
  [ "$(jq '.web | length' <<<"$res")" -gt 1 ] && grep -qiE "sntpd-web.*(restart|exit|died|killed|signal)" "$WORK/victim.log"
}
echo "      web process pid(s) $web_pids, highest VmHWM $web_hwm kB"
check "the web process stayed under 64 MB ($web_hwm kB) or was restarted" \
  eval '[ "$web_hwm" -lt 65536 ] || restarted'
check "a phone at 127.0.0.2 got the time while 64 slow connections were open" \
  [ "$(jq .attacks.slow_connections.phone_got_time <<<"$res")" = true ]
check "a phone at 127.0.0.2 got the time while 2000 idle connections were open" \
  [ "$(jq .attacks.idle_connections.phone_got_time <<<"$res")" = true ]
check "GET /time answers afterwards from 127.0.0.1" get_time 127.0.0.1
check "GET /time answers afterwards from 127.0.0.2" get_time 127.0.0.2
ntp_answers() { local rc=0; "$BIN/ntpprobe" -n 1 -t 1 "127.0.0.1:$NTP_PORT" >/dev/null 2>&1 || rc=$?; [ "$rc" -ne 1 ]; }
check "NTP is answered afterwards" ntp_answers
check "sntpd is still running" kill -0 "$victim"
finish
