#!/usr/bin/env bash
# sntpd as an NTS server (RFC 8915, sntpd --nts-server) to the real NTS clients, in private network
# namespaces with a private CA: chronyd (-x, never touching a clock) takes sntpd's time
# authenticated (chronyc authdata shows NTS with cookies; chronyc sources selects it), ntpsec's
# ntpd on a second "host" does too (ntpq's associations say auth ok), and ntpprobe --nts measures
# it.  Then the cookie keys: kept in the state directory (0600), so a restarted sntpd still takes
# chronyd's cookies (no NTSN kiss: chronyd's NAK count stays 0 and it makes no new key exchange);
# a cookie from another server's keys gets the NTSN kiss, and chronyd makes a new key exchange.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

make_ca ca
make_ca other-ca
second_host 10.9.0.1 10.9.0.2
make_server_cert ca server "DNS:ntp.test,IP:127.0.0.1,IP:10.9.0.1"
check "a server certificate signed by the private CA" openssl verify -CAfile "$WORK/ca.crt" "$WORK/server.crt"

# sntpd on port 123 of both addresses, its own clock at stratum 10 (it never sets the clock).
nts_sntpd() {  # NAME [ARGS...]
  local name=$1
  shift
  start_sntpd "$name" --listen 127.0.0.1:123 --listen 10.9.0.1:123 --local-stratum 10 --state "$WORK/state.json" \
    --nts-server --nts-cert "$WORK/server.crt" --nts-key "$WORK/server.key" "$@"
  wait_for_ntp 127.0.0.1:123
  wait_until "$DEADLINE_S" bash -c "exec 3<>/dev/tcp/127.0.0.1/4460" ||
    failed "sntpd's NTS-KE port 4460 never accepted a connection"
}
counter() { "$BIN/sntpd" status --json --control "$WORK/$1.sock" | jq ".counters.$2 // 0"; }
nts_sntpd sntpd
sntpd_pid=$LAST_PID
check "the cookie key file is made in the state directory, mode 600" \
  [ "$(stat -c %a "$WORK/nts-keys" 2>/dev/null)" = 600 ]

# ntpprobe --nts: key exchange, then four authenticated samples, each bringing a fresh cookie.
run_capture out "$BIN/ntpprobe" -o json --nts --nts-ca "$WORK/ca.crt" 127.0.0.1
check "ntpprobe --nts: exit 0 (stderr: $(cat "$WORK/last.err"))" [ "$RC" -eq 0 ]
echo "      $out"
check "ntpprobe --nts: nts true, 4 of 4 samples" \
  [ "$(json nts "$out") $(json samples_ok "$out")/$(json samples_sent "$out")" = "true 4/4" ]
check "ntpprobe --nts: 8 cookies held after the burst" [ "$(json nts_cookies "$out")" = 8 ]
check_offset "ntpprobe --nts: offset within its stated error" "$out" 0
check "sntpd counted 4 NTS replies" [ "$(counter sntpd nts_replies)" -ge 4 ]
run_capture out "$BIN/ntpprobe" -o json --nts --nts-ca "$WORK/other-ca.crt" 127.0.0.1
check "ntpprobe --nts with a CA that did not sign sntpd's certificate: refused (exit 3)" [ "$RC" -eq 3 ]

# chronyd as an NTS client: polls every 2 s, client only (port 0), trusting the private CA.
mkdir -p "$WORK/chrony-dump"
chronyd_x chrony "server 127.0.0.1 iburst nts minpoll 1 maxpoll 1" "ntstrustedcerts $WORK/ca.crt" "port 0" \
  "ntsdumpdir $WORK/chrony-dump"
chrony_pid=$LAST_PID
authdata() { chronyc -h "$WORK/chrony.sock" -n -c authdata 2>/dev/null | grep '^127.0.0.1,' || true; }
# chronyc -c authdata: name, mode, key ID, type, key bits, last, attempts, NAKs, cookies, cookie length
field() { cut -d, -f"$1" <<<"$(authdata)"; }
selected() { chronyc -h "$WORK/chrony.sock" -n -c sources 2>/dev/null | grep -q '^\^,\*,127.0.0.1,'; }
wait_until 60 selected || true
check "chronyd selects sntpd (chronyc sources: ^*) ($(chronyc -h "$WORK/chrony.sock" -n sources 2>&1 | tail -n 1))" selected
echo "      authdata: $(authdata)"
check "chronyc authdata: NTS, AEAD 15, cookies held, no NAK" \
  [ "$(field 2),$(field 4),$([ "$(field 9)" -gt 0 ] && echo cookies),$(field 8)" = "NTS,15,cookies,0" ]
check "chronyd's cookies are sntpd's 104 bytes" [ "$(field 10)" = 104 ]

# A restart keeps the cookie keys: chronyd's cookies still open, it gets no NTSN.
replies=$(counter sntpd nts_replies)
kill "$sntpd_pid"
wait "$sntpd_pid" 2>/dev/null || true
key_before=$(cut -d' ' -f1 <<<"$(grep -v '^#' "$WORK/nts-keys" | head -n 1)")
nts_sntpd restarted
check "the restarted sntpd loaded the same cookie key ($key_before)" \
  grep -q "cookie key $key_before " "$WORK/restarted.log"
wait_until 60 bash -c "[ \"\$(\"$BIN/sntpd\" status --json --control \"$WORK/restarted.sock\" | jq .counters.nts_replies)\" -ge 3 ]" ||
  true
check "after the restart chronyd is answered with NTS ($(counter restarted nts_replies) replies, $replies before)" \
  [ "$(counter restarted nts_replies)" -ge 3 ]
check "after the restart: no NTSN kiss sent, chronyd's NAK count 0" \
  [ "$(counter restarted nts_naks) $(field 8)" = "0 0" ]
kill "$chrony_pid"
wait "$chrony_pid" 2>/dev/null || true

# New keys (another server's, as after the key file is lost): chronyd's saved cookies get NTSN, and
# it makes a new key exchange and is answered again.
restarted_pid=$(pgrep -f "control $WORK/restarted.sock" | head -n 1)
kill "$restarted_pid"
wait "$restarted_pid" 2>/dev/null || true
rm -f "$WORK/nts-keys"
nts_sntpd fresh
chronyd_x chrony2 "server 127.0.0.1 iburst nts minpoll 1 maxpoll 1" "ntstrustedcerts $WORK/ca.crt" "port 0" \
  "ntsdumpdir $WORK/chrony-dump"
wait_until 60 bash -c "[ \"\$(\"$BIN/sntpd\" status --json --control \"$WORK/fresh.sock\" | jq .counters.nts_replies)\" -ge 2 ]" ||
  true
check "chronyd's old cookies got NTSN from the new keys ($(counter fresh nts_naks))" [ "$(counter fresh nts_naks)" -ge 1 ]
check "then chronyd made a new key exchange and is answered with NTS" [ "$(counter fresh nts_replies)" -ge 2 ]

# ntpsec's ntpd as an NTS client on the second host: its key exchange takes 8 cookies of 104 bytes,
# and it synchronizes to sntpd (stratum 11, refid 10.9.0.1), which for a server named `nts` it does
# only on replies authenticated by NTS; sntpd counts them.
if [ -x "$NTPSEC_NTPD" ]; then
  printf 'server 10.9.0.1 nts ca %s iburst minpoll 3 maxpoll 3\ntos minsane 1\ndriftfile %s/ntpd.drift\n' \
    "$WORK/ca.crt" "$WORK" >"$WORK/ntpd.conf"
  before=$(counter fresh nts_replies)
  start ntpd nsenter -t "$PEER" -n "$NTPSEC_NTPD" -n -c "$WORK/ntpd.conf" -l "$WORK/ntpd.daemon.log"
  wait_for_log ntpd.daemon "NTSc: Got 8 cookies, length 104, aead=15" || true
  check "ntpsec's ntpd: key exchange with sntpd, 8 cookies of 104 bytes, AEAD 15" \
    grep -q "NTSc: Got 8 cookies, length 104, aead=15" "$WORK/ntpd.daemon.log"
  state=$(wait_for_state 10.9.0.2 "11 10.9.0.1" 90)
  check "ntpsec's ntpd synchronizes to sntpd over NTS: stratum 11, refid 10.9.0.1 (got '$state')" \
    [ "$state" = "11 10.9.0.1" ]
  check "sntpd answered ntpd with NTS ($before -> $(counter fresh nts_replies) NTS replies)" \
    [ "$(counter fresh nts_replies)" -gt $((before + 2)) ]
else
  echo "SKIP (part): ntpsec's ntpd is not unpacked at $NTPSEC_NTPD (scripts/install-deps.sh --test does it)"
fi

# Configuration errors: one line, exit 2, before anything is served.
expect_message 2 "--nts-server without a certificate" "needs --nts-cert" \
  "$BIN/sntpd" --user root --control "$WORK/e.sock" --listen 127.0.0.1:11999 --nts-server
expect_message 2 "--nts-cert without --nts-key" "go together" \
  "$BIN/sntpd" --user root --control "$WORK/e.sock" --listen 127.0.0.1:11999 --nts-server \
  --nts-cert "$WORK/server.crt"
expect_message 2 "--nts-key given a certificate" "holds no PEM private key" \
  "$BIN/sntpd" --user root --control "$WORK/e.sock" --listen 127.0.0.1:11999 --nts-server \
  --nts-cert "$WORK/server.crt" --nts-key "$WORK/server.crt"
# A key that is not the certificate's: sntpd-nts's GnuTLS refuses the pair, and sntpd stops (2).
expect_exit 2 "a key that is not the certificate's: sntpd stops" \
  timeout 30 "$BIN/sntpd" --user root --control "$WORK/e.sock" --listen 127.0.0.1:11999 --local-stratum 10 \
  --state "$WORK/e-state.json" --nts-server --nts-port 14999 --nts-cert "$WORK/server.crt" --nts-key "$WORK/ca.key"
check "... saying sntpd-nts refused the pair" grep -q "cannot serve NTS-KE with --nts-cert and --nts-key" "$WORK/last.err"
finish
