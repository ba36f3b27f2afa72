#!/usr/bin/env bash
# ntpprobe --nts against chronyd as an NTS server (RFC 8915) on loopback: a private CA and a
# server certificate for 127.0.0.1 made here, then a good key exchange and authenticated samples
# (the offset within the probe's stated error: chronyd serves this machine's clock), and the
# refusals: a CA that did not sign the certificate, a name the certificate does not hold,
# nothing listening, and the options NTS does not combine with.  No refusal falls back to plain
# NTP: chronyd's own count of the NTP packets it received says so.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

make_ca ca
make_ca other-ca
make_server_cert ca ntp.test
check "a server certificate signed by the private CA" openssl verify -CAfile "$WORK/ca.crt" "$WORK/server.crt"

NTP_PORT=11123
KE_PORT=14460
mkdir -p "$WORK/ntsdump"
chronyd_x nts "port $NTP_PORT" "bindaddress 127.0.0.1" "bindaddress ::1" "${CHRONY_SERVES[@]}" \
  "ntsserverkey $WORK/server.key" "ntsservercert $WORK/server.crt" "ntsport $KE_PORT" "ntsdumpdir $WORK/ntsdump"
wait_for_ntp "127.0.0.1:$NTP_PORT"
# The key exchange's port accepts connections: bound and listening.
wait_until "$DEADLINE_S" bash -c "exec 3<>/dev/tcp/127.0.0.1/$KE_PORT" ||
  failed "chronyd's NTS-KE port $KE_PORT never accepted a connection"

# ntp_received: NTP packets chronyd has received so far (chronyc serverstats).
ntp_received() { chronyc -h "$WORK/nts.sock" -n serverstats 2>/dev/null | sed -n 's/^NTP packets received *: //p'; }
# authenticated: NTS-authenticated NTP packets it has received.
nts_received() { chronyc -h "$WORK/nts.sock" -n serverstats 2>/dev/null | sed -n 's/^Authenticated NTP packets *: //p'; }

before=$(nts_received)
run_capture out "$BIN/ntpprobe" -o json --nts --nts-ca "$WORK/ca.crt" "127.0.0.1:$KE_PORT"
check "NTS: exit 0 (stderr: $(cat "$WORK/last.err"))" [ "$RC" -eq 0 ]
echo "      $out"
check_offset "NTS: offset within its stated error" "$out" 0
check "NTS: JSON says nts true" [ "$(json nts "$out")" = true ]
check "NTS: 4 of 4 samples" [ "$(json samples_ok "$out")/$(json samples_sent "$out")" = 4/4 ]
check "NTS: queried chronyd's NTP port $NTP_PORT, as the key exchange said" [ "$(json port "$out")" = "$NTP_PORT" ]
check "NTS: 8 cookies held after the burst (each reply brought one)" [ "$(json nts_cookies "$out")" = 8 ]
after=$(nts_received)
check "NTS: chronyd counted 4 more authenticated packets ($before -> $after)" [ "$((after - before))" -eq 4 ]

run_capture out "$BIN/ntpprobe" --nts --nts-ca "$WORK/ca.crt" -n 2 "127.0.0.1:$KE_PORT"
check "NTS, human: exit 0 and says NTS ($out)" eval '[ "$RC" -eq 0 ] && grep -q "  NTS  " <<<"$out"'

# Refusals, none of which may send NTP.
received=$(ntp_received)
run_capture out "$BIN/ntpprobe" -o json --nts --nts-ca "$WORK/other-ca.crt" "127.0.0.1:$KE_PORT"
echo "      $(cat "$WORK/last.err")"
check "a CA that did not sign the certificate: exit 3" [ "$RC" -eq 3 ]
check "wrong CA: one line on stderr, 'certificate refused'" \
  eval '[ "$(wc -l <"$WORK/last.err")" -eq 1 ] && grep -q "certificate refused" "$WORK/last.err"'
check "wrong CA: no report on stdout" [ -z "$out" ]
expect_message 3 "a name the certificate does not hold (localhost)" "certificate refused" \
  "$BIN/ntpprobe" --nts --nts-ca "$WORK/ca.crt" "localhost:$KE_PORT"
check "no NTP packet sent after a refused key exchange ($received -> $(ntp_received))" \
  [ "$(ntp_received)" = "$received" ]

# A key exchange that sends ntpprobe to an NTP server that does not speak NTS: chronyd's
# `ntsntpserver` names 127.0.0.2, where a small responder answers without an authenticator,
# or echoes the unique identifier (as an on-path forger could) with one that does not verify.
# Refused (exit 3), never taken as plain NTP.
fake_ntp() {  # MODE: plain | echoing | forged; stopped by the test (at most 60 s, 100 requests)
  exec python3 - "$1" "$WORK/fake.ready" <<'PY'
import socket, struct, sys
mode = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", 11124))
s.settimeout(60)  # a bound, not a wait: the test stops it once ntpprobe has run
open(sys.argv[2], "w").close()  # ready
for _ in range(100):
    try:
        req, peer = s.recvfrom(2048)
    except OSError:
        break
    reply = bytearray(48)
    reply[0] = 4 << 3 | 4
    reply[1] = 2
    reply[24:32] = req[40:48]  # origin = the request's transmit
    reply[32:40] = reply[40:48] = req[40:48]
    if mode != "plain":
        reply += req[48:84]  # the unique identifier field, echoed
    if mode == "forged":
        reply += struct.pack(">HHHH", 0x0404, 40, 16, 16) + bytes(32)
    s.sendto(bytes(reply), peer)
PY
}
mkdir -p "$WORK/ntsdump2"
chronyd_x nts2 "port 11124" "bindaddress 127.0.0.1" "${CHRONY_SERVES[@]}" "ntsserverkey $WORK/server.key" \
  "ntsservercert $WORK/server.crt" "ntsport 14461" "ntsdumpdir $WORK/ntsdump2" "ntsntpserver 127.0.0.2"
wait_until "$DEADLINE_S" bash -c "exec 3<>/dev/tcp/127.0.0.1/14461" ||
  failed "the second chronyd's NTS-KE port never accepted a connection"
for mode in plain echoing forged; do
  rm -f "$WORK/fake.ready"
  start fake_$mode fake_ntp $mode
  wait_until "$DEADLINE_S" test -e "$WORK/fake.ready" || failed "the fake NTP server did not start"
  run_capture out "$BIN/ntpprobe" -o json --nts --nts-ca "$WORK/ca.crt" 127.0.0.1:14461
  want=$([ $mode = forged ] && echo bad_mac || echo unauthenticated)
  check "a reply to an NTS request, $mode: exit 3, status $want, 0 samples ($(cat "$WORK/last.err"))" \
    [ "$RC $(json status "$out") $(json samples_ok "$out") $(json address "$out")" = "3 $want 0 127.0.0.2" ]
  kill "$LAST_PID" 2>/dev/null || true
  wait "$LAST_PID" 2>/dev/null || true
done

start_s=$(date +%s.%N)
expect_message 1 "nothing listening on the NTS-KE port" "Connection refused" \
  timeout 10 "$BIN/ntpprobe" --nts --nts-ca "$WORK/ca.crt" 127.0.0.1:14999
elapsed=$(awk -v a="$start_s" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
check "nothing listening: answered at once, not at a timeout (${elapsed} s, process start included)" near "$elapsed" 0 2

expect_message 2 "--nts with --key" "excludes" "$BIN/ntpprobe" --nts --keys /dev/null --key 1 127.0.0.1
expect_message 2 "--nts with --set" "excludes" "$BIN/ntpprobe" --nts --set 127.0.0.1
: >"$WORK/empty.pem"
expect_message 2 "a CA file with no certificate" "cannot read a CA certificate" \
  "$BIN/ntpprobe" --nts --nts-ca "$WORK/empty.pem" "127.0.0.1:$KE_PORT"
expect_message 2 "--nts-ca without --nts" "requires" "$BIN/ntpprobe" --nts-ca "$WORK/ca.crt" 127.0.0.1

finish
