#!/usr/bin/env bash
# Symmetric-key authentication against the real peers, with SHA256 and SHA512:
#   chronyd (one-shot client, chronyd -Q) syncs from sntpd with the shared key,
#     also in interleaved mode, and refuses sntpd when it holds another key;
#   ntpprobe --key is accepted by sntpd, chronyd and ntpsec's ntpd with the
#     key, and accepts nothing from them with a wrong key;
#   sntpd counts bad MACs, unknown keys and (--require-auth) unsigned requests
#     in `sntpd status`, answers signed requests with replies of the same size,
#     and refuses a key file that others may read.
# ntpdig 1.2.2 cannot take part: with a SHA256/SHA512 key it puts the whole
# 32/64-byte digest in an NTPv4 request, which RFC 7822 does not allow (MACs
# in NTPv4 are at most 24 bytes); ntpsec's own ntpd does not answer it either,
# and sntpd counts it as malformed.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

K1=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
K2=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
W1=ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
W2=ff2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
# chrony's syntax (HEX:) and ntpsec's (bare hex, no prefix) for the same keys.
printf '1 SHA256 HEX:%s\n2 SHA512 HEX:%s\n' $K1 $K2 >"$WORK/chrony.keys"
printf '1 SHA256 HEX:%s\n2 SHA512 HEX:%s\n' $W1 $W2 >"$WORK/wrong.keys"
printf '1 SHA256 %s\n2 SHA512 %s\n' $K1 $K2 >"$WORK/ntpsec.keys"
printf '3 SHA256 HEX:%s\n' $K1 >"$WORK/other-id.keys"
chmod 600 "$WORK"/*.keys

# chronyd -Q: "System clock wrong by X seconds (ignored)" when it accepts.
chrony_query() {  # KEYFILE PORT OPTIONS...
  local keys=$1 port=$2
  shift 2
  chrony_q "${CHRONY_TIMEOUT:-5}" "keyfile $keys" "cmdport 0" "pidfile $WORK/q.pid" \
    "server 127.0.0.1 port $port $* iburst"
}
# counter NAME SOCKET: one of sntpd's drop counters, or a top-level counter.
counter() {
  "$BIN/sntpd" status --json --control "$2" | jq -r ".counters.dropped.$1 // .counters.$1"
}
# wait_for_signed ADDR KEYFILE ID: until a signed query succeeds (at most DEADLINE_S).
wait_for_signed() {
  wait_until "$DEADLINE_S" "$BIN/ntpprobe" -n 1 -t 0.1 --keys "$2" --key "$3" "$1" >/dev/null 2>&1 ||
    failed "no signed answer from $1 within $DEADLINE_S s"
}

# --- sntpd serving with the keys ---------------------------------------------
start_sntpd sntpd --listen 127.0.0.1:11123 --local-stratum 10 --keys "$WORK/chrony.keys"
SOCK=$WORK/sntpd.sock
wait_for_ntp 127.0.0.1:11123
check "sntpd names its keys" grep -q "authentication: 2 keys (1, 2)" "$WORK/sntpd.log"

for key in 1 2; do
  type=$([ $key = 1 ] && echo SHA256 || echo SHA512)
  out=$(chrony_query "$WORK/chrony.keys" 11123 key $key maxsamples 1)
  x=$(clock_wrong_by "$out")
  check "chronyd syncs from sntpd with $type key $key" [ -n "$x" ]
  check "chronyd, $type: offset within its measurement's error ($x s, +- $(chrony_q_error) s)" \
    near "$x" 0 "$(chrony_q_error)"

  bad_before=$(counter bad_mac "$SOCK")
  out=$(CHRONY_TIMEOUT=3 chrony_query "$WORK/wrong.keys" 11123 key $key maxsamples 1)
  check "chronyd with another $type key gets no usable reply from sntpd" [ -z "$(clock_wrong_by "$out")" ]
  check "sntpd counted chronyd's bad MACs ($type)" [ "$(counter bad_mac "$SOCK")" -gt "$bad_before" ]

  run_capture out "$BIN/ntpprobe" -o json --keys "$WORK/chrony.keys" --key $key 127.0.0.1:11123
  check "ntpprobe --key $key ($type) against sntpd: exit 0" [ "$RC" -eq 0 ]
  check_offset "ntpprobe --key $key: offset within sntpd's stated error" "$out" 0

  run_capture out "$BIN/ntpprobe" -o json --keys "$WORK/wrong.keys" --key $key 127.0.0.1:11123
  check "ntpprobe with a wrong $type key: sntpd does not answer (exit $RC)" [ "$RC" -eq 1 ]
done

# The firmware's key file may be written in ntpsec's syntax: the same keys.
run_capture out "$BIN/ntpprobe" --keys "$WORK/ntpsec.keys" --key 1 127.0.0.1:11123
check "ntpprobe with the key in ntpsec's syntax: exit 0" [ "$RC" -eq 0 ]
check "... and a warning that chrony reads bare keys as text" grep -q "chrony" "$WORK/last.err"

# Interleaved mode (chrony's xleave): the replies carrying the previous
# transmit time are signed too, or chronyd would not take them.
out=$(CHRONY_TIMEOUT=12 chrony_query "$WORK/chrony.keys" 11123 key 1 xleave maxsamples 3)
check "chronyd in interleaved mode with key 1 syncs" [ -n "$(clock_wrong_by "$out")" ]
check "sntpd sent signed interleaved replies" [ "$(counter interleaved_replies "$SOCK")" -gt 0 ]

unknown_before=$(counter unknown_key "$SOCK")
run_capture out "$BIN/ntpprobe" --keys "$WORK/other-id.keys" --key 3 127.0.0.1:11123
check "a key sntpd does not hold: no reply (exit $RC)" [ "$RC" -eq 1 ]
check "sntpd counted the unknown key" [ "$(counter unknown_key "$SOCK")" -gt "$unknown_before" ]

run_capture out "$BIN/ntpprobe" 127.0.0.1:11123
check "unsigned requests still get unsigned replies" [ "$RC" -eq 0 ]

# No reply larger than its request: a signed request of each size the peers
# send (NTPv4 with a 20-byte digest; chrony's NTPv3 with the whole SHA512 one).
sizes=$(python3 - "$K1" "$K2" <<'EOF'
import hashlib, socket, sys
keys = {1: (hashlib.sha256, bytes.fromhex(sys.argv[1])), 2: (hashlib.sha512, bytes.fromhex(sys.argv[2]))}
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
out = []
for version, key, cut in [(4, 1, 20), (4, 2, 20), (3, 1, 32), (3, 2, 64)]:
    h, k = keys[key]
    req = bytearray(48)
    req[0] = version << 3 | 3
    req[40:48] = bytes.fromhex("0123456789abcdef")
    req = bytes(req) + key.to_bytes(4, "big")
    req += h(k + req[:48]).digest()[:cut]
    s.sendto(req, ("127.0.0.1", 11123))
    try:
        reply = s.recv(2048)
    except OSError:
        reply = b""
    ok = len(reply) > 52 and reply[48:52] == req[48:52] and h(k + reply[:48]).digest()[:cut] == reply[52:]
    out.append(f"{len(req)}:{len(reply)}:{'signed' if ok else 'unsigned'}")
print(" ".join(out))
EOF
)
check "signed replies are as large as their requests and verify ($sizes)" \
  [ "$sizes" = "72:72:signed 72:72:signed 84:84:signed 116:116:signed" ]

# ntpdig (port 123 only) with a SHA256 key: not RFC 7822, counted as malformed.
start_sntpd sntpd123 --listen 127.0.0.1:123 --local-stratum 10 --keys "$WORK/chrony.keys"
wait_for_ntp 127.0.0.1:123
run_capture out ntpdig -t 1 -a 1 -k "$WORK/ntpsec.keys" 127.0.0.1
check "ntpdig -a 1 (SHA256) gets no reply from sntpd (exit $RC)" [ "$RC" -ne 0 ]
check "sntpd counted ntpdig's 84-byte NTPv4 request as malformed" \
  [ "$(counter malformed "$WORK/sntpd123.sock")" -gt 0 ]
kill "$LAST_PID"
wait "$LAST_PID" 2>/dev/null || true

# --- --require-auth -----------------------------------------------------------
start_sntpd strict --listen 127.0.0.1:11124 --local-stratum 10 --keys "$WORK/chrony.keys" --require-auth
wait_for_signed 127.0.0.1:11124 "$WORK/chrony.keys" 1
run_capture out "$BIN/ntpprobe" 127.0.0.1:11124
check "--require-auth: an unsigned request gets no reply (exit $RC)" [ "$RC" -eq 1 ]
check "--require-auth: counted as unauthenticated" [ "$(counter unauthenticated "$WORK/strict.sock")" -gt 0 ]
out=$(chrony_query "$WORK/chrony.keys" 11124 key 2 maxsamples 1)
check "--require-auth: chronyd with key 2 syncs" [ -n "$(clock_wrong_by "$out")" ]

# --- key file checks ----------------------------------------------------------
cp "$WORK/chrony.keys" "$WORK/open.keys"
chmod 644 "$WORK/open.keys"
expect_exit 2 "sntpd refuses a key file others may read" \
  "$BIN/sntpd" --user root --control "$WORK/x.sock" --listen 127.0.0.1:0 --keys "$WORK/open.keys"
check "... and says how to fix it" grep -q "chmod 600" "$WORK/last.err"
expect_exit 2 "ntpprobe refuses it too" "$BIN/ntpprobe" --keys "$WORK/open.keys" --key 1 127.0.0.1:11123
expect_exit 0 "ntpprobe --insecure-keys takes it" \
  "$BIN/ntpprobe" --insecure-keys --keys "$WORK/open.keys" --key 1 127.0.0.1:11123
printf '5 MD5 HEX:00112233445566778899aabbccddeeff\n6 AES256 HEX:00112233445566778899aabbccddeeff\n' \
  >"$WORK/old.keys"
chmod 600 "$WORK/old.keys"
expect_exit 2 "ntpprobe --key 5 (MD5)" "$BIN/ntpprobe" --keys "$WORK/old.keys" --key 5 127.0.0.1:11123
check "... says MD5 is refused, why, and where" \
  grep -q "old.keys (line 1: key 5: type MD5 is refused: RFC 8573 deprecates MD5" "$WORK/last.err"
# libcrypto is loaded only for a SHA1 or AES128 key (the tools do not link it): where it cannot
# be loaded (hidden here by a mount namespace), such a key is refused with the reason, and a
# SHA256 key works as before.
printf '7 AES128 HEX:00112233445566778899aabbccddeeff\n' >"$WORK/aes.keys"
chmod 600 "$WORK/aes.keys"
libcrypto=$(ldconfig -p | sed -n 's/^[[:space:]]*libcrypto\.so\.3 .*=> //p' | head -n 1)
without_libcrypto() { unshare -m sh -c 'mount --bind /dev/null "$0" && exec "$@"' "$libcrypto" "$@"; }
expect_message 2 "ntpprobe --key 7 (AES128) where libcrypto cannot be loaded" \
  "key 7: SHA1 and AES128 keys need libcrypto.so.3 (Debian package libssl3)" \
  without_libcrypto "$BIN/ntpprobe" --keys "$WORK/aes.keys" --key 7 127.0.0.1:11123
expect_exit 0 "...a SHA256 key there works" without_libcrypto "$BIN/ntpprobe" --keys "$WORK/chrony.keys" --key 1 \
  127.0.0.1:11123
expect_exit 2 "sntpd with only MD5 and AES256 keys" \
  "$BIN/sntpd" --user root --control "$WORK/x.sock" --listen 127.0.0.1:0 --keys "$WORK/old.keys"
check "... names the line and the reason" grep -q "no usable key.*line 1: key 5: type MD5" "$WORK/last.err"
expect_exit 2 "sntpd --require-auth without --keys" \
  "$BIN/sntpd" --user root --control "$WORK/x.sock" --listen 127.0.0.1:0 --require-auth

# keygen's line works for chrony and sntpd as printed, and its ntpsec line for ntpd.
"$BIN/ntpprobe" keygen --type SHA512 --id 9 >"$WORK/gen.out"
head -n 1 "$WORK/gen.out" >"$WORK/gen.keys"
chmod 600 "$WORK/gen.keys"
check "keygen prints an ID, a type and 32 random bytes in hex" \
  grep -Eq '^9 SHA512 HEX:[0-9a-f]{64}$' "$WORK/gen.keys"

# --- chronyd serving with the keys ----------------------------------------------
chronyd_server chronyd 11125 -- "${CHRONY_SERVES[@]}" "keyfile $WORK/chrony.keys"
wait_for_ntp 127.0.0.1:11125
for key in 1 2; do
  expect_exit 0 "ntpprobe --key $key against chronyd with the key" \
    "$BIN/ntpprobe" --keys "$WORK/chrony.keys" --key $key 127.0.0.1:11125
  run_capture out "$BIN/ntpprobe" --keys "$WORK/wrong.keys" --key $key 127.0.0.1:11125
  check "ntpprobe with a wrong key $key accepts nothing from chronyd (exit $RC)" [ "$RC" -ne 0 ]
done
run_capture out "$BIN/ntpprobe" --keys "$WORK/other-id.keys" --key 3 127.0.0.1:11125
check "a key chronyd does not hold: chronyd does not answer (exit $RC)" [ "$RC" -eq 1 ]

chronyd_server genserver 11126 -- "${CHRONY_SERVES[@]}" "keyfile $WORK/gen.keys"
wait_for_ntp 127.0.0.1:11126
expect_exit 0 "a keygen key works between chronyd and ntpprobe" \
  "$BIN/ntpprobe" --keys "$WORK/gen.keys" --key 9 127.0.0.1:11126

# --- servers that answer a signed request wrongly ------------------------------
# No peer here answers a signed request unsigned or with another key (they
# drop it), so a small responder does, for ntpprobe's exit 3.
fake_server() {  # PORT MODE: unsigned | wrongkey; stopped by the test (at most 60 s, 100 requests)
  exec python3 - "$1" "$2" "$W1" "$WORK/fake.ready" <<'EOF'
import hashlib, socket, sys
port, mode, wrong = int(sys.argv[1]), sys.argv[2], bytes.fromhex(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
s.settimeout(60)  # a bound, not a wait: the test stops it once ntpprobe has run
open(sys.argv[4], "w").close()  # ready
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
    reply = bytes(reply)
    if mode == "wrongkey" and len(req) > 52:
        reply += req[48:52] + hashlib.sha256(wrong + reply).digest()[:20]
    s.sendto(reply, peer)
EOF
}
for mode in unsigned wrongkey; do
  rm -f "$WORK/fake.ready"
  start fake_$mode fake_server 11127 $mode
  wait_until "$DEADLINE_S" test -e "$WORK/fake.ready" || failed "the fake server did not start"
  run_capture out "$BIN/ntpprobe" -o json --keys "$WORK/chrony.keys" --key 1 127.0.0.1:11127
  want=$([ $mode = unsigned ] && echo unauthenticated || echo bad_mac)
  check "ntpprobe refuses a $mode reply: exit 3" [ "$RC" -eq 3 ]
  check "... status $want" [ "$(json status "$out")" = "$want" ]
  check "... with a clear message ($(cat "$WORK/last.err"))" grep -q "key 1" "$WORK/last.err"
  kill "$LAST_PID" 2>/dev/null || true
  wait "$LAST_PID" 2>/dev/null || true
done

# --- ntpsec's ntpd serving with the keys (port 123) ---------------------------
if [ ! -x "$NTPSEC_NTPD" ]; then
  echo "note: ntpsec's ntpd is not unpacked at $NTPSEC_NTPD: its part is left out"
else
  {
    echo "tos orphan 10 orphanwait 1"
    # ntpsec 1.2.2 rate-limits clients by default: after a few bursts it stops
    # answering 127.0.0.1.  Explicit restrict lines without 'limited' lift it.
    echo "restrict default"
    echo "restrict 127.0.0.1"
    echo "driftfile $WORK/ntpd.drift"
    echo "keys $WORK/ntpsec.keys"
    echo "trustedkey 1 2 9"
  } >"$WORK/ntpd.conf"
  sed -n 's/^# \([0-9]\)/\1/p' "$WORK/gen.out" >>"$WORK/ntpsec.keys"  # keygen's ntpsec line: key 9
  start ntpd "$NTPSEC_NTPD" -n -c "$WORK/ntpd.conf" -l "$WORK/ntpd.ntpd.log"
  wait_for_ntp 127.0.0.1 synchronized && pass "ntpd in orphan mode synchronizes"
  for key in 1 2; do
    expect_exit 0 "ntpprobe --key $key against ntpd with the key" \
      "$BIN/ntpprobe" --keys "$WORK/chrony.keys" --key $key 127.0.0.1
    run_capture out "$BIN/ntpprobe" --keys "$WORK/wrong.keys" --key $key 127.0.0.1
    check "ntpprobe with a wrong key $key accepts nothing from ntpd (exit $RC)" [ "$RC" -ne 0 ]
  done
  cp "$WORK/ntpsec.keys" "$WORK/ntpsec-used.keys"
  expect_exit 0 "keygen's ntpsec line is the same key for ntpd" \
    "$BIN/ntpprobe" --keys "$WORK/gen.keys" --key 9 127.0.0.1
  run_capture out ntpdig -t 1 -a 1 -k "$WORK/ntpsec.keys" 127.0.0.1
  check "ntpdig -a 1 (SHA256) gets no answer from ntpsec's own ntpd either (exit $RC)" [ "$RC" -ne 0 ]
fi

finish
