#!/usr/bin/env bash
# The keys people already have: SHA1 and AES128 (CMAC) keys made by
# `chronyc keygen N SHA1` / `chronyc keygen N AES128` (offline, no daemon):
#   chronyd (one-shot client, chronyd -Q) syncs from sntpd with each key, and
#     not when sntpd holds other keys under the same IDs (sntpd counts the
#     bad MACs);
#   ntpprobe --key is answered by sntpd and by chronyd with each key, and
#     accepts nothing from them with a wrong key;
#   sntpd's signed replies are as large as the requests (NTPv4 and v3: 24
#     bytes of trailer for SHA1, 20 for AES128) and SHA1's verify with hashlib;
#   ntpsec's ntpdig -a (port 123 only) takes sntpd's signed replies with
#     each key (it sends 20- and 16-byte digests, which NTPv4 allows, unlike
#     its whole SHA256 ones), and a wrong key gets it nothing;
#   ntpsec's ntpd serving with the same keys (its spelling: bare hex, type
#     AES) answers ntpprobe --key, and nothing with a wrong key;
#   an MD5 key, an AES128 key of the wrong length and an unknown type are
#     reported with file and line, and the other keys still load;
#   lansync-board syncs from sntpd with each key, and its server mode signs
#     alike.
# ntpsec's ntpd as a client of sntpd with these keys: auth_legacy_ntpsec_client.sh.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

chronyc keygen 1 SHA1 >"$WORK/chrony.keys"
chronyc keygen 2 AES128 >>"$WORK/chrony.keys"
chronyc keygen 1 SHA1 >"$WORK/wrong.keys"
chronyc keygen 2 AES128 >>"$WORK/wrong.keys"
# ntpsec's spelling of the same keys: bare hex, and AES for AES128.
sed -e 's/ SHA1 HEX:/ SHA1 /' -e 's/ AES128 HEX:/ AES /' "$WORK/chrony.keys" >"$WORK/ntpsec.keys"
chmod 600 "$WORK"/*.keys
check "chronyc keygen made a SHA1 key of 20 bytes and an AES128 key of 16" \
  grep -Eqz '^1 SHA1 HEX:[0-9A-F]{40}
2 AES128 HEX:[0-9A-F]{32}
$' "$WORK/chrony.keys"
type_of() { [ "$1" = 1 ] && echo SHA1 || echo AES128; }

# chronyd -Q: "System clock wrong by X seconds (ignored)" when it accepts.
chrony_query() {  # KEYFILE PORT OPTIONS...
  local keys=$1 port=$2
  shift 2
  chrony_q "${CHRONY_TIMEOUT:-5}" "keyfile $keys" "cmdport 0" "pidfile $WORK/q.pid" \
    "server 127.0.0.1 port $port $* iburst"
}
counter() { "$BIN/sntpd" status --json --control "$2" | jq -r ".counters.dropped.$1 // .counters.$1"; }

# --- sntpd serving with the keys ---------------------------------------------
start_sntpd sntpd --listen 127.0.0.1:11123 --local-stratum 10 --keys "$WORK/chrony.keys"
SOCK=$WORK/sntpd.sock
wait_for_ntp 127.0.0.1:11123
check "sntpd loads both keys" grep -q "authentication: 2 keys (1, 2)" "$WORK/sntpd.log"

for key in 1 2; do
  type=$(type_of $key)
  out=$(chrony_query "$WORK/chrony.keys" 11123 key $key maxsamples 1)
  x=$(clock_wrong_by "$out")
  check "chronyd syncs from sntpd with $type key $key (signed replies accepted)" [ -n "$x" ]
  check "chronyd, $type: offset within its measurement's error ($x s, +- $(chrony_q_error) s)" \
    near "$x" 0 "$(chrony_q_error)"

  bad_before=$(counter bad_mac "$SOCK")
  out=$(CHRONY_TIMEOUT=3 chrony_query "$WORK/wrong.keys" 11123 key $key maxsamples 1)
  check "chronyd with another $type key gets no usable reply from sntpd" [ -z "$(clock_wrong_by "$out")" ]
  check "sntpd counted chronyd's bad $type MACs" [ "$(counter bad_mac "$SOCK")" -gt "$bad_before" ]

  run_capture out "$BIN/ntpprobe" -o json --keys "$WORK/chrony.keys" --key $key 127.0.0.1:11123
  status=$(json status "$out")
  check "ntpprobe --key $key ($type) against sntpd: exit 0, status ok (exit $RC, status $status)" \
    [ "$RC" -eq 0 -a "$status" = ok ]
  run_capture out "$BIN/ntpprobe" -o json --keys "$WORK/wrong.keys" --key $key 127.0.0.1:11123
  check "ntpprobe with a wrong $type key: sntpd does not answer (exit $RC)" [ "$RC" -eq 1 ]
  run_capture out "$BIN/ntpprobe" --keys "$WORK/ntpsec.keys" --key $key 127.0.0.1:11123
  check "ntpprobe with the $type key in ntpsec's spelling: exit 0" [ "$RC" -eq 0 ]
done

# Signed requests of each version and key: the reply has the request's size,
# and (SHA1, which hashlib computes) its MAC is SHA-1(key || reply header).
K1=$(sed -n 's/^1 SHA1 HEX://p' "$WORK/chrony.keys")
sizes=$(python3 - "$K1" <<'EOF'
import hashlib, socket, sys
key = bytes.fromhex(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
out = []
for version in (4, 3):
    req = bytearray(48)
    req[0] = version << 3 | 3
    req[40:48] = bytes.fromhex("0123456789abcdef")
    req = bytes(req) + (1).to_bytes(4, "big")
    req += hashlib.sha1(key + req[:48]).digest()
    s.sendto(req, ("127.0.0.1", 11123))
    try:
        reply = s.recv(2048)
    except OSError:
        reply = b""
    ok = len(reply) == 72 and reply[48:52] == req[48:52] and hashlib.sha1(key + reply[:48]).digest() == reply[52:]
    out.append(f"v{version}:{len(req)}:{len(reply)}:{'signed' if ok else 'unsigned'}")
print(" ".join(out))
EOF
)
check "SHA1: signed replies of 72 bytes that verify, NTPv4 and v3 ($sizes)" \
  [ "$sizes" = "v4:72:72:signed v3:72:72:signed" ]
# A request with an AES128 trailer whose MAC does not verify (16 zero bytes):
# read as a MAC of key 2 and counted as a bad MAC, in NTPv4 and v3.
bad_before=$(counter bad_mac "$SOCK")
malformed_before=$(counter malformed "$SOCK")
python3 - <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for version in (4, 3):
    req = bytearray(48)
    req[0] = version << 3 | 3
    s.sendto(bytes(req) + (2).to_bytes(4, "big") + bytes(16), ("127.0.0.1", 11123))
EOF
# Wait for sntpd to have counted both, then check that they went to the right counter.
wait_until "$DEADLINE_S" eval '[ $(($(counter bad_mac "$SOCK") + $(counter malformed "$SOCK"))) -ge $((bad_before + malformed_before + 2)) ]' || true
check "a forged 20-byte AES128 trailer: 2 more bad MACs, not malformed" \
  [ "$(counter bad_mac "$SOCK")" -eq $((bad_before + 2)) -a "$(counter malformed "$SOCK")" -eq "$malformed_before" ]

# --- key file problems: one line each, with file and line; the rest loads ------
{
  cat "$WORK/chrony.keys"
  echo "5 MD5 HEX:00112233445566778899aabbccddeeff"
  echo "6 AES128 HEX:00112233445566778899aabbccddee"
  echo "7 FOO HEX:00112233445566778899aabbccddeeff"
} >"$WORK/mixed.keys"
chmod 600 "$WORK/mixed.keys"
start_sntpd mixed --listen 127.0.0.1:11124 --local-stratum 10 --keys "$WORK/mixed.keys"
wait_for_ntp 127.0.0.1:11124
check "sntpd still loads keys 1 and 2 from a file with bad lines" \
  grep -q "authentication: 2 keys (1, 2) from $WORK/mixed.keys" "$WORK/mixed.log"
check "... says MD5 is refused, why, and how to make a key, naming file and line" \
  grep -q "mixed.keys:3: key 5: type MD5 is refused: RFC 8573 deprecates MD5.*chronyc keygen 5 AES128" \
  "$WORK/mixed.log"
check "... names the AES128 key of the wrong length" \
  grep -q "mixed.keys:4: key 6: an AES128 key must be exactly 16 bytes.*has 15" "$WORK/mixed.log"
check "... names the unknown type" grep -q "mixed.keys:5: key 7: unknown key type FOO" "$WORK/mixed.log"
expect_exit 0 "ntpprobe --key 2 (AES128) from that file works" \
  "$BIN/ntpprobe" --keys "$WORK/mixed.keys" --key 2 127.0.0.1:11124
expect_message 2 "ntpprobe --key 6 (15-byte AES128)" "mixed.keys:4: key 6: an AES128 key must be exactly 16 bytes" \
  "$BIN/ntpprobe" --keys "$WORK/mixed.keys" --key 6 127.0.0.1:11124
expect_message 2 "ntpprobe --key 5 (MD5)" "mixed.keys:3: key 5: type MD5 is refused" \
  "$BIN/ntpprobe" --keys "$WORK/mixed.keys" --key 5 127.0.0.1:11124
# lansync-board takes both types too (its port computes them with the key ring).
port=11140
for key in 1 2; do
  type=$(type_of $key)
  start board$key "$BIN/lansync-board" --server 127.0.0.1:11124 --keys "$WORK/mixed.keys" --key $key \
    --drift-ppm 30 --min-poll 2 --max-poll 4 --serve 127.0.0.1:$port --json
  check "lansync-board --key $key names its $type key" wait_for_log board$key "authentication: key $key ($type)"
  status=$(wait_synced board$key 8)
  check_board_offset "lansync-board, $type: syncs from sntpd, offset within its stated error" "$status"
  check "lansync-board, $type: no reply refused" [ "$(jq -r .unauthenticated <<<"$status")" = 0 ]
  run_capture out "$BIN/ntpprobe" -o json --keys "$WORK/chrony.keys" --key $key 127.0.0.1:$port
  check "lansync-board, $type: its server mode answers ntpprobe --key $key, signed (exit $RC)" [ "$RC" -eq 0 ]
  kill "$LAST_PID"
  port=$((port + 1))
done
expect_message 2 "lansync-board --key 6 (15-byte AES128)" "mixed.keys:4: key 6: an AES128 key must be exactly 16 bytes" \
  "$BIN/lansync-board" --keys "$WORK/mixed.keys" --key 6 --server 127.0.0.1:11124 --duration 1

# --- chronyd serving with the keys ----------------------------------------------
chronyd_server chronyd 11125 -- "${CHRONY_SERVES[@]}" "keyfile $WORK/chrony.keys"
wait_for_ntp 127.0.0.1:11125
for key in 1 2; do
  type=$(type_of $key)
  run_capture out "$BIN/ntpprobe" -o json --keys "$WORK/chrony.keys" --key $key 127.0.0.1:11125
  status=$(json status "$out")
  check "ntpprobe --key $key ($type) against chronyd: exit 0, status ok (exit $RC, status $status)" \
    [ "$RC" -eq 0 -a "$status" = ok ]
  run_capture out "$BIN/ntpprobe" --keys "$WORK/wrong.keys" --key $key 127.0.0.1:11125
  check "ntpprobe with a wrong $type key accepts nothing from chronyd (exit $RC)" [ "$RC" -ne 0 ]
done

# keygen's AES128 line for chronyd, its ntpsec line for ntpd below.
"$BIN/ntpprobe" keygen --type AES128 --id 9 >"$WORK/gen.out"
head -n 1 "$WORK/gen.out" >"$WORK/gen.keys"
chmod 600 "$WORK/gen.keys"
check "ntpprobe keygen --type AES128 prints 16 random bytes in hex" grep -Eq '^9 AES128 HEX:[0-9a-f]{32}$' "$WORK/gen.keys"
chronyd_server genserver 11126 -- "${CHRONY_SERVES[@]}" "keyfile $WORK/gen.keys"
wait_for_ntp 127.0.0.1:11126
expect_exit 0 "a keygen AES128 key works between chronyd and ntpprobe" \
  "$BIN/ntpprobe" --keys "$WORK/gen.keys" --key 9 127.0.0.1:11126

# --- ntpdig (port 123 only) against sntpd -------------------------------------
sed -e 's/ SHA1 HEX:/ SHA1 /' -e 's/ AES128 HEX:/ AES /' "$WORK/wrong.keys" >"$WORK/ntpsec-wrong.keys"
start_sntpd sntpd123 --listen 127.0.0.1:123 --local-stratum 10 --keys "$WORK/chrony.keys"
wait_for_ntp 127.0.0.1:123
for key in 1 2; do
  type=$(type_of $key)
  expect_exit 0 "ntpdig -a $key ($type) takes sntpd's signed reply" ntpdig -t 1 -a $key -k "$WORK/ntpsec.keys" 127.0.0.1
  run_capture out ntpdig -t 1 -a $key -k "$WORK/ntpsec-wrong.keys" 127.0.0.1
  check "ntpdig -a $key with a wrong $type key gets nothing (exit $RC)" [ "$RC" -ne 0 ]
done
check "sntpd counted ntpdig's wrong-key requests as bad MACs, none as malformed" \
  [ "$(counter bad_mac "$WORK/sntpd123.sock")" -gt 0 -a "$(counter malformed "$WORK/sntpd123.sock")" -eq 0 ]
kill "$LAST_PID" 2>/dev/null || true
wait "$LAST_PID" 2>/dev/null || true

# --- ntpsec's ntpd serving with the keys (port 123) ---------------------------
if [ ! -x "$NTPSEC_NTPD" ]; then
  echo "note: ntpsec's ntpd is not unpacked at $NTPSEC_NTPD: its part is left out"
else
  sed -n 's/^# \([0-9]\)/\1/p' "$WORK/gen.out" >>"$WORK/ntpsec.keys"  # keygen's ntpsec line: key 9
  {
    echo "tos orphan 10 orphanwait 1"
    echo "restrict default"  # no default rate limit on our queries
    echo "restrict 127.0.0.1"
    echo "driftfile $WORK/ntpd.drift"
    echo "keys $WORK/ntpsec.keys"
    echo "trustedkey 1 2 9"
  } >"$WORK/ntpd.conf"
  start ntpd "$NTPSEC_NTPD" -n -c "$WORK/ntpd.conf" -l "$WORK/ntpd.ntpd.log"
  wait_for_ntp 127.0.0.1 synchronized && pass "ntpd in orphan mode synchronizes"
  check "ntpd read the 3 keys" grep -q "authreadkeys: added 3 keys" "$WORK/ntpd.ntpd.log"
  for key in 1 2; do
    type=$(type_of $key)
    run_capture out "$BIN/ntpprobe" -o json --keys "$WORK/chrony.keys" --key $key 127.0.0.1
    status=$(json status "$out")
    check "ntpprobe --key $key ($type) against ntpd: exit 0, status ok (exit $RC, status $status)" \
      [ "$RC" -eq 0 -a "$status" = ok ]
    run_capture out "$BIN/ntpprobe" --keys "$WORK/wrong.keys" --key $key 127.0.0.1
    check "ntpprobe with a wrong $type key accepts nothing from ntpd (exit $RC)" [ "$RC" -ne 0 ]
  done
  expect_exit 0 "keygen's ntpsec line (type AES) is the same key for ntpd" \
    "$BIN/ntpprobe" --keys "$WORK/gen.keys" --key 9 127.0.0.1
fi

finish
