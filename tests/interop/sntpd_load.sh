#!/usr/bin/env bash
# sntpd's timestamps under load: while ntp_loadgen sends 5 000 requests/s, a
# careful client on the same clock (ntp_loadgen probe: T1 read just before the
# send, the kernel's T4) never gets a reply out of order, a receive time
# before its request left or a transmit time after the reply arrived (its
# offset outside +-delay/2, where the truth, 0, must lie); chronyd -Q, asking
# meanwhile, accepts sntpd with an offset within the error of its
# measurement; and sntpd sends every reply it builds (no send error).
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

start_sntpd busy --listen 127.0.0.1:123 --local-stratum 10
wait_for_ntp 127.0.0.1:123
counter() { "$BIN/sntpd" status --json --control "$WORK/busy.sock" | jq -r ".counters.$1"; }

"$BIN/ntp_loadgen" load 127.0.0.1:123 --rate 5000 --duration 8 >"$WORK/load.json" &
loader=$!
# As long as the load: iburst asks every 2 s, and a loaded machine may drop a request.
chrony_q 8 "server 127.0.0.1 iburst maxsamples 1" >"$WORK/chrony.out" &
asker=$!
probe=$("$BIN/ntp_loadgen" probe 127.0.0.1:123 --count 1000 --interval-ms 4)
wait "$loader" "$asker"
echo "      load: $(jq -c '{sent, answered}' "$WORK/load.json"); probe: $(jq -c . <<<"$probe")"

# How many are answered is the machine's speed (a sanitized build on a loaded
# CI machine drops some at the socket): enough to judge is what counts.
check "the probe got replies to judge ($(jq .ok <<<"$probe") of 1000)" [ "$(jq .ok <<<"$probe")" -ge 100 ]
check "no reply out of order ($(jq .out_of_order <<<"$probe"))" [ "$(jq .out_of_order <<<"$probe")" = 0 ]
x=$(clock_wrong_by "$(cat "$WORK/chrony.out")")
check "chronyd -Q accepts sntpd under load" [ -n "$x" ]
check "chronyd -Q: offset within its measurement's error ($x s, +- $(chrony_q_error) s)" near "$x" 0 "$(chrony_q_error)"
check "sntpd counted no send error" [ "$(counter send_errors)" = 0 ]
finish
