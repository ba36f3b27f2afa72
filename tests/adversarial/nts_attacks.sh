#!/usr/bin/env bash
# sntpd's NTS server (RFC 8915) attacked: real NTS requests captured from ntpprobe --nts, then
# replayed, modified byte by byte, truncated and given forged cookies and authenticators (no reply
# ever carries an NTS authenticator except to the unchanged request, none is longer than its
# request); a flood of replays that each ask for 8 cookies (cookie exhaustion); malformed NTS-KE
# requests over TLS (each gets the Error record RFC 8915 §4.1.3 names, or the connection closed at
# the server's deadline); 3000 half-open key-exchange connections.  Through all of it sntpd answers
# plain NTP to other clients, and afterwards a fresh ntpprobe --nts is served.
source "$(dirname "$0")/../interop/lib.sh"
enter_private_netns "$@"
ATTACKER="$(dirname "$0")/nts_attacker.py"

make_ca ca
make_server_cert ca server "IP:127.0.0.1"
start_sntpd victim --listen 127.0.0.1:123 --local-stratum 10 --state "$WORK/state.json" --nts-server \
  --nts-cert "$WORK/server.crt" --nts-key "$WORK/server.key"
victim=$LAST_PID
wait_for_ntp 127.0.0.1:123
wait_until "$DEADLINE_S" bash -c "exec 3<>/dev/tcp/127.0.0.1/4460" || failed "NTS-KE port 4460 never opened"
counter() { "$BIN/sntpd" status --json --control "$WORK/victim.sock" | jq ".counters.$1 // 0"; }
plain_ntp() { [ "$("$BIN/ntpprobe" -o json -n 1 -t 1 127.0.0.1 2>/dev/null | jq -r .stratum)" = 10 ]; }
nts_probe() { "$BIN/ntpprobe" -o json -n 2 --nts --nts-ca "$WORK/ca.crt" 127.0.0.1 2>"$WORK/probe.err"; }

# Real requests to attack: ntpprobe --nts's, captured on loopback.
start capture python3 "$ATTACKER" capture 123 "$WORK/captured" 20
capture_pid=$LAST_PID
wait_until "$DEADLINE_S" test -e "$WORK/captured.ready" || failed "the capture did not start"
out=$(nts_probe) || true
check "ntpprobe --nts is served before the attacks ($(json samples_ok "$out") samples)" [ "$(json nts "$out")" = true ]
wait "$capture_pid" 2>/dev/null || true
check "NTS requests were captured ($(wc -l <"$WORK/captured"))" [ -s "$WORK/captured" ]

res=$(python3 "$ATTACKER" packets 127.0.0.1 123 "$WORK/captured")
echo "      packets: $res"
check "a replayed request is answered (as chrony does: the client drops it), never amplified" \
  [ "$(jq .replay_answers <<<"$res")" -ge 1 ]
check "no modified, truncated or forged request got a reply with an NTS authenticator" \
  [ "$(jq .authenticated <<<"$res")" = 0 ]
check "no reply longer than its request" [ "$(jq .longer <<<"$res")" = 0 ]
check "forged cookies got the NTSN kiss ($(jq .ntsn <<<"$res"))" [ "$(jq .ntsn <<<"$res")" -ge 200 ]
bad_nts=$("$BIN/sntpd" status --json --control "$WORK/victim.sock" | jq '.counters.dropped.bad_nts // 0')
check "sntpd counted bad_nts drops ($bad_nts)" [ "$bad_nts" -gt 0 ]
check "plain NTP still answered after the packets" wait_until "$DEADLINE_S" plain_ntp

sent=$(python3 "$ATTACKER" flood 127.0.0.1 123 "$WORK/captured" 5000)
check "a flood of $sent replays asking for 8 cookies each: plain NTP still answered" \
  wait_until "$DEADLINE_S" plain_ntp

ke=$(python3 "$ATTACKER" ke 127.0.0.1 4460 "$WORK/ca.crt")
echo "      NTS-KE: $ke"
check "a good KE request, in one record or in 1-byte records, is answered" \
  [ "$(jq -r '.good + " " + .good_in_1_byte_records' <<<"$ke")" = "answered answered" ]
check "an unknown critical record: error 0" [ "$(jq -r .unknown_critical <<<"$ke")" = "error 0" ]
for c in no_protocol protocol_twice odd_aead_list error_from_client trailing_bytes huge_no_end; do
  check "KE request $c: error 1 (bad request)" [ "$(jq -r ".$c" <<<"$ke")" = "error 1" ]
done
check "a truncated KE request, then silence: closed by the server" \
  [ "$(jq -r .truncated_then_silent <<<"$ke")" = closed ]

rm -f "$WORK/hold"
start halfopen python3 "$ATTACKER" halfopen 127.0.0.1 4460 3000 "$WORK/hold"
halfopen_pid=$LAST_PID
wait_until 60 test -e "$WORK/hold" || failed "the half-open connections were not made"
check "3000 half-open KE connections held: plain NTP answered" wait_until "$DEADLINE_S" plain_ntp
check "3000 half-open KE connections held: sntpd-nts still runs" bash -c 'pgrep -f "sntpd-nts server" >/dev/null'
rm -f "$WORK/hold"
wait "$halfopen_pid" 2>/dev/null || true
echo "      half-open: $(cat "$WORK/halfopen.log")"
fresh_nts() { out=$(nts_probe) && [ "$(json nts "$out") $(json samples_ok "$out")" = "true 2" ]; }
check "afterwards a fresh ntpprobe --nts is served ($(cat "$WORK/probe.err" 2>/dev/null))" \
  wait_until "$DEADLINE_S" fresh_nts
check "sntpd is still running" kill -0 "$victim"
check "sntpd-nts never exited (no crash, no restart)" bash -c "! grep -q 'nts: sntpd-nts (pid' '$WORK/victim.log'"
finish
