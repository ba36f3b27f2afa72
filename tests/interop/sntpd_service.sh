#!/usr/bin/env bash
# sntpd as a service: the config file (settings, command line overriding,
# errors naming file and line), `sntpd status` in both forms, and mode-5
# broadcasts received on a second host.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

# --- Config file: keys are the long options, the command line wins.
cat >"$WORK/sntpd.conf" <<EOF2
# a comment
listen 127.0.0.1:11001
listen [::1]:11001
local-stratum 9
ratelimit
ratelimit-burst 20
control $WORK/conf.sock
user root
EOF2
start conf "$BIN/sntpd" -c "$WORK/sntpd.conf" --local-stratum 7
wait_for_ntp 127.0.0.1:11001
wait_for_ntp "[::1]:11001"
run_capture out "$BIN/ntpprobe" -o json "[::1]:11001"
check "config file: both listen lines are served" [ "$RC" -eq 0 ]
check "the command line overrides the file (--local-stratum 7, not 9)" [ "$(json stratum "$out")" = 7 ]

# --- sntpd status
run_capture human "$BIN/sntpd" status --control "$WORK/conf.sock"
check "status: exit 0" [ "$RC" -eq 0 ]
check "status: human report" grep -q "^Synchronized     : yes, serving stratum 7" <<<"$human"
run_capture j "$BIN/sntpd" status --json --control "$WORK/conf.sock"
check "status --json: one JSON object with the documented keys" \
  [ "$(jq -c 'keys_unsorted' <<<"$j")" = '["version","uptime_s","reference","clock","timestamps","upstreams","selection","counters","clients","http","mqtt","temperature","pulse"]' ]
check "status --json: counters" \
  [ "$(jq -c '.counters | keys_unsorted' <<<"$j")" = '["requests","replies","interleaved_replies","passive_replies","kod_sent","dropped","dropped_total","send_errors","tx_timestamps","broadcasts_sent","nts_replies","nts_naks"]' ]
check "status --json: replies counted ($(jq .counters.replies <<<"$j"))" [ "$(jq .counters.replies <<<"$j")" -ge 2 ]
check "status --json: the client was seen" [ "$(jq .clients.seen <<<"$j")" -ge 1 ]
expect_exit 1 "status with no daemon" "$BIN/sntpd" status --control "$WORK/nobody.sock"
check "...says how to fix it" grep -q "is sntpd running? see --control" "$WORK/last.err"

# --- Config errors name the file and the line; exit 2.
conf_error() {  # DESCRIPTION EXPECTED LINES...
  local desc=$1 want=$2
  shift 2
  printf '%s\n' "$@" >"$WORK/bad.conf"
  expect_exit 2 "$desc" "$BIN/sntpd" -c "$WORK/bad.conf"
  check "$desc: one line naming file and line ($want)" one_line_saying "$want"
}
one_line_saying() { [ "$(wc -l <"$WORK/last.err")" -eq 1 ] && grep -qF -- "$1" "$WORK/last.err"; }
conf_error "unknown setting" "bad.conf:2: unknown setting 'bogus'" "listen 127.0.0.1:11002" "bogus 1"
conf_error "bad value" "bad.conf:3: --local-stratum: Value 99 not in range" "" "# x" "local-stratum 99"
conf_error "bad key" "bad.conf:1: bad key 'Listen_Addr'" "Listen_Addr 1.2.3.4"
conf_error "flag with a value" "bad.conf:1: 'ratelimit' takes no value" "ratelimit 3"
conf_error "config inside config" "bad.conf:1: unknown setting 'config'" "config /etc/x"
expect_exit 2 "missing -c file" "$BIN/sntpd" -c "$WORK/missing.conf"
check "...names it" grep -q "missing.conf" "$WORK/last.err"

# --- Broadcasts to a second host, every second.  The receiver binds first and
# says so; sntpd starts after it, and the test waits for the two broadcasts
# themselves (at most DEADLINE_S), whatever python and sntpd take to start.
second_host 10.9.0.1 10.9.0.2
start receiver nsenter -t "$PEER" -n python3 -u -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", 12300))
print("listening at", int(time.time()), flush=True)
for _ in range(2):
    data, addr = s.recvfrom(2048)
    print(addr[0], len(data), data.hex(), int(time.time()), flush=True)
'
wait_for_log receiver "^listening at "
start bcast "$BIN/sntpd" --user root --control "$WORK/bcast.sock" --listen 10.9.0.1:123 --local-stratum 10 \
  --broadcast 10.9.0.255:12300 --broadcast-interval 1
wait_until "$DEADLINE_S" eval '[ "$(grep -c "^10\." "$WORK/receiver.log")" -ge 2 ]' || true
got=$(grep "^10\." "$WORK/receiver.log" || true)
check "two broadcasts received on the second host" [ "$(wc -l <<<"$got")" -eq 2 ]
first=$(head -n 1 <<<"$got")
check "...from sntpd's address, 48 bytes" [ "$(cut -d' ' -f1,2 <<<"$first")" = "10.9.0.1 48" ]
hex=$(cut -d' ' -f3 <<<"$first")
check "...mode 5, version 4, leap 0 (first byte 25)" [ "${hex:0:2}" = 25 ]
check "...stratum 10, poll 2^0 s" [ "${hex:2:4}" = 0a00 ]
check "...origin and receive timestamps zero" [ "${hex:48:32}" = "00000000000000000000000000000000" ]
# Sent after the receiver listened (sntpd started after it) and before it read it: whole seconds.
tx_unix=$((16#${hex:80:8} - 2208988800))
listened=$(sed -n 's/^listening at //p' "$WORK/receiver.log")
received=$(cut -d' ' -f4 <<<"$first")
check "...transmit timestamp between the receiver's start and its read ($listened <= $tx_unix <= $received)" \
  eval '[ "$listened" -le "$tx_unix" ] && [ "$tx_unix" -le "$received" ]'

finish
