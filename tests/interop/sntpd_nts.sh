#!/usr/bin/env bash
# sntpd following NTS servers (RFC 8915): `--upstream HOST nts` against chronyd's NTS server and
# ntpsec's, each with a private CA and a certificate for 127.0.0.1 made here.  sntpd serves a
# simulated clock 3 s off (the machine's clock is never touched), takes the NTS servers' time and
# serves it: its own status says NTS authenticated with cookies held, and what it serves is within
# its own stated error.  Its first key exchange cannot judge the certificate's dates (its clock is
# not trusted yet); the first authenticated update makes a second, dates checked.  Then the
# refusals: a CA that did not sign the certificate (no time taken, the key exchange's error in
# the status); a certificate that expired (taken while the clock is not trusted, refused by the
# exchange the first update makes due); a chronyd restarted with new cookie keys (its kiss NTSN
# makes sntpd exchange keys again); a chronyd restarted without NTS (no unauthenticated time
# taken: sntpd sends nothing but NTS and the server becomes unreachable).  A pool name gives two
# NTS servers, each with a key exchange of its own.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

make_ca ca
make_ca other-ca
make_server_cert ca server "DNS:ntp.test,IP:127.0.0.1"

# Usage errors, said at start (exit 2; after the simulated clock's own line): nothing to wait for.
usage=(--clock simulated --listen 127.0.0.1:12399 --control "$WORK/usage.sock" --state "" --drift-file "")
usage_error() {  # DESCRIPTION WANT ARGS...
  local desc=$1 want=$2
  shift 2
  expect_exit 2 "$desc" "$BIN/sntpd" "${usage[@]}" "$@"
  check "$desc: says '$want'" grep -qF -- "$want" "$WORK/last.err"
}
usage_error "--nts-ca that is not a file" "is not a file" --nts-ca "$WORK/none.pem" --upstream 127.0.0.1 nts
usage_error "'key' and 'nts' for one server" "without 'nts'" --upstream 127.0.0.1 nts key 1
usage_error "'nts' before any server" "must follow" --upstream nts

NTP_PORT=11123
KE_PORT=14460
# chrony_nts NAME DUMPDIR: chronyd serving NTS on KE_PORT and NTP_PORT, its cookie keys in DUMPDIR.
chrony_nts() {
  mkdir -p "$WORK/$2"
  chronyd_x "$1" "port $NTP_PORT" "bindaddress 127.0.0.1" "${CHRONY_SERVES[@]}" \
    "ntsserverkey $WORK/server.key" "ntsservercert $WORK/server.crt" "ntsport $KE_PORT" "ntsdumpdir $WORK/$2"
  wait_for_ntp "127.0.0.1:$NTP_PORT"
  wait_until "$DEADLINE_S" bash -c "exec 3<>/dev/tcp/127.0.0.1/$KE_PORT" ||
    failed "chronyd's NTS-KE port $KE_PORT never accepted a connection"
}
stop_last() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

chrony_nts chrony keys1
CHRONY=$LAST_PID

# nts_sntpd NAME PORT CA UPSTREAM: sntpd with an NTS upstream, serving a simulated clock 3 s behind
# on 127.0.0.1:PORT, polling every second (--max-poll 0).
nts_sntpd() {
  start_sntpd "$1" -v --listen "127.0.0.1:$2" --clock simulated --simulated-offset -3 --max-poll 0 \
    --state "$WORK/$1-state.json" --drift-file "" --nts-ca "$WORK/$3.crt" --upstream "$4" nts
}
status() { "$BIN/sntpd" status --json --control "$WORK/$1.sock" 2>/dev/null; }
# nts FIELD NAME: the first upstream's nts.FIELD in NAME's status.
nts() { status "$2" | jq -r ".upstreams[0].nts.$1"; }
upstream() { status "$2" | jq -r ".upstreams[0].$1"; }
authenticated() { [ "$(nts authenticated "$1")" = true ] && [ "$(nts cookies "$1")" -gt 0 ]; }
exchanges_at_least() { [ "$(nts exchanges "$1")" -ge "$2" ]; }
dates_checked() { [ "$(nts dates_checked "$1")" = true ]; }

nts_sntpd good 12300 ca "127.0.0.1:$KE_PORT"
check "chronyd: sntpd holds NTS keys and cookies" wait_until "$DEADLINE_S" authenticated good
check "chronyd: the first key exchange did not check the certificate's dates (the clock not trusted yet)" \
  grep -q "certificate dates not checked" "$WORK/good.log"
wait_for_log good "following upstream" && pass "chronyd: sntpd follows its NTS upstream"
check "chronyd: after the first update, a second key exchange, dates checked" \
  wait_until "$DEADLINE_S" dates_checked good
wait_for_ntp 127.0.0.1:12300 synchronized
run_capture out "$BIN/ntpprobe" -o json 127.0.0.1:12300
check_offset "chronyd: sntpd serves chronyd's time (3 s corrected) within its own stated error" "$out" 0
text=$("$BIN/sntpd" status --control "$WORK/good.sock")
grep "NTS key exchange done" "$WORK/good.log" | sed 's/^/      /'
grep -A3 "^Upstream" <<<"$text" | sed 's/^/      /'
check "chronyd: sntpd status says 'nts : authenticated, N cookies'" \
  grep -qE "^  nts +: authenticated, [1-8] cookies, last key exchange" <<<"$text"
check "chronyd: no reply refused" [ "$(upstream 'rejected | add' good)" = 0 ]

# A CA that did not sign the certificate: no keys, so nothing is sent and no time taken.
nts_sntpd wrongca 12301 other-ca "127.0.0.1:$KE_PORT"
wrong_error() { nts error wrongca | grep -q "certificate refused"; }
check "wrong CA: the status shows the key exchange's error" wait_until "$DEADLINE_S" wrong_error
echo "      $(nts error wrongca)"
check "wrong CA: no keys, no cookies" [ "$(nts authenticated wrongca) $(nts cookies wrongca)" = "false 0" ]
check "wrong CA: no reply ever reached it (reach 000)" [ "$(upstream reach wrongca)" = 000 ]
check "wrong CA: sntpd does not follow it" bash -c "! grep -q 'following upstream' '$WORK/wrongca.log'"
run_capture out "$BIN/ntpprobe" -o json -n 1 127.0.0.1:12301
check "wrong CA: sntpd serves no time (unsynchronized: exit 3)" [ "$RC" -eq 3 ]

# A certificate that expired 30 days ago (made with the clock 60 days back), on a second chronyd:
# the first key exchange cannot judge dates and succeeds, the first update it authenticates makes
# one with the dates checked against the corrected clock, which refuses it: its keys are dropped.
mv "$WORK/server.crt" "$WORK/valid.crt"
mv "$WORK/server.key" "$WORK/valid.key"
faketime -f "-60d" bash -c "$(declare -f make_server_cert); WORK=$WORK make_server_cert ca server DNS:ntp.test,IP:127.0.0.1 30"
check "a certificate that expired 30 days ago" bash -c "! openssl x509 -checkend 0 -noout -in '$WORK/server.crt'"
mkdir -p "$WORK/keys3"
chronyd_x expired "port 11124" "bindaddress 127.0.0.1" "${CHRONY_SERVES[@]}" "ntsserverkey $WORK/server.key" \
  "ntsservercert $WORK/server.crt" "ntsport 14461" "ntsdumpdir $WORK/keys3"
EXPIRED=$LAST_PID
wait_until "$DEADLINE_S" bash -c "exec 3<>/dev/tcp/127.0.0.1/14461" || failed "the expired chronyd's KE port never listened"
mv "$WORK/valid.crt" "$WORK/server.crt"
mv "$WORK/valid.key" "$WORK/server.key"
nts_sntpd expired 12303 ca "127.0.0.1:14461"
wait_for_log expired "certificate dates not checked: clock not trusted yet" &&
  pass "expired: the first key exchange, dates not checked, succeeds"
expired_refused() { nts error expired | grep -q "not valid at the time checked"; }
check "expired: once the clock is corrected, the dates are checked and the certificate refused" \
  wait_until "$DEADLINE_S" expired_refused
echo "      $(nts error expired)"
check "expired: its keys dropped (no cookies, not authenticated)" \
  [ "$(nts authenticated expired) $(nts cookies expired)" = "false 0" ]
# The same on a right clock (sntpd serves it as synchronized from the start, --local-stratum): the
# dates are checked at the first key exchange, which refuses it; no time is taken from it.
start_sntpd rightclock -v --listen 127.0.0.1:12305 --clock simulated --local-stratum 12 --max-poll 0 \
  --state "$WORK/rightclock-state.json" --drift-file "" --nts-ca "$WORK/ca.crt" --upstream 127.0.0.1:14461 nts
right_refused() { nts error rightclock | grep -q "not valid at the time checked"; }
check "expired, right clock: the first key exchange checks the dates and refuses it" \
  wait_until "$DEADLINE_S" right_refused
check "expired, right clock: no exchange succeeded, no keys, no reply (reach 000)" \
  [ "$(nts exchanges rightclock) $(nts authenticated rightclock) $(upstream reach rightclock)" = "0 false 000" ]
check "expired, right clock: not followed" bash -c "! grep -q 'following upstream' '$WORK/rightclock.log'"
stop_last "$EXPIRED"

# chronyd restarted with new cookie keys: our cookies are refused with NTSN, sntpd exchanges keys again.
before=$(nts exchanges good)
stop_last "$CHRONY"
chrony_nts chrony2 keys2
CHRONY=$LAST_PID
wait_for_log good "refused our NTS cookie (NTSN)" && pass "new cookie keys: sntpd got the kiss NTSN"
check "new cookie keys: a new key exchange followed ($before before)" \
  wait_until "$DEADLINE_S" exchanges_at_least good $((before + 1))
check "new cookie keys: NTSN counted" [ "$(nts naks good)" -ge 1 ]
check "new cookie keys: authenticated again" wait_until "$DEADLINE_S" authenticated good

# chronyd restarted without NTS: it does not answer NTS requests, sntpd sends nothing else.
stop_last "$CHRONY"
plain_start_s=$(date +%s.%N)
chronyd_x plain "port $NTP_PORT" "bindaddress 127.0.0.1" "${CHRONY_SERVES[@]}"
wait_for_ntp "127.0.0.1:$NTP_PORT"
unreachable() { [ "$(upstream reach good)" = 000 ]; }
check "without NTS: the server becomes unreachable to sntpd (no plain NTP fallback)" \
  wait_until "$DEADLINE_S" unreachable
ke_refused() { nts error good | grep -q "refused"; }
check "without NTS: the cookies spent, the next key exchange fails and says why" wait_until "$DEADLINE_S" ke_refused
echo "      $(nts error good)"
plain=$(chronyc -h "$WORK/plain.sock" -n serverstats 2>/dev/null | sed -n 's/^NTP packets received *: //p')
authd=$(chronyc -h "$WORK/plain.sock" -n serverstats 2>/dev/null | sed -n 's/^Authenticated NTP packets *: //p')
echo "      chronyd without NTS received $plain NTP packets ($authd authenticated)"
since_s=$(awk -v a="$plain_start_s" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
# No sample since then: none recent at all (null, the server unreachable), or one older than that.
no_new_sample() {
  status good | jq -e --argjson since "$since_s" \
    '.upstreams[0] | (.last_sample_age_s == null and .reach == "000") or
     (.last_sample_age_s != null and .last_sample_age_s >= $since)' >/dev/null
}
check "without NTS: no sample taken since chronyd lost NTS ($since_s s ago; last sample: $(upstream last_sample_age_s good))" \
  no_new_sample

# A pool: ntspool.test (this test's hosts file) gives two addresses, each a chronyd with NTS on
# it; each address gets a key exchange of its own, the certificate checked against the name.
printf '127.0.0.1 localhost\n127.0.0.1 ntspool.test\n127.0.0.3 ntspool.test\n' >"$WORK/hosts"
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$WORK/resolv.conf"
mount --bind "$WORK/hosts" /etc/hosts
mount --bind "$WORK/resolv.conf" /etc/resolv.conf
make_server_cert ca server "DNS:ntspool.test,IP:127.0.0.1"
for a in 1 3; do
  mkdir -p "$WORK/pool$a"
  chronyd_x "pool$a" "port 11125" "bindaddress 127.0.0.$a" "allow 127.0.0.0/8" "local stratum 10" \
    "ntsserverkey $WORK/server.key" "ntsservercert $WORK/server.crt" "ntsport 14462" "ntsdumpdir $WORK/pool$a"
  wait_until "$DEADLINE_S" bash -c "exec 3<>/dev/tcp/127.0.0.$a/14462" || failed "pool chronyd $a: no KE port"
done
nts_sntpd pool 12304 ca ntspool.test:14462
both_authenticated() {
  status pool | jq -e '[.upstreams[] | select(.server == "ntspool.test:14462" and .nts.authenticated)] |
    map(.address) | sort == ["127.0.0.1:14462", "127.0.0.3:14462"]' >/dev/null
}
check "pool: both addresses of ntspool.test hold NTS keys, each from its own key exchange" \
  wait_until "$DEADLINE_S" both_authenticated
check "pool: two key exchanges, one per address" \
  [ "$(grep -c 'upstream ntspool.test:14462 (127.0.0.[13]:14462): NTS key exchange done' "$WORK/pool.log")" -ge 2 ]
wait_for_log pool "following upstream" && pass "pool: sntpd follows them"

# ntpsec's NTS server: ntpd on port 123 of this namespace, NTS-KE on 4460, in orphan mode.
if [ ! -x "$NTPSEC_NTPD" ]; then
  echo "SKIP (part): ntpsec's ntpd is not unpacked at $NTPSEC_NTPD (scripts/install-deps.sh --test does it)"
else
  cat "$WORK/server.crt" "$WORK/ca.crt" >"$WORK/chain.crt"
  printf '%s\n' "tos orphan 10 orphanwait 1" "driftfile $WORK/ntpsec.drift" "nts enable" \
    "nts cert $WORK/chain.crt" "nts key $WORK/server.key" "nts cookie $WORK/ntpsec.cookies" >"$WORK/ntpsec.conf"
  start ntpsec "$NTPSEC_NTPD" -n -c "$WORK/ntpsec.conf" -l "$WORK/ntpsec.ntpd.log"
  wait_for_ntp 127.0.0.1:123 synchronized && pass "ntpsec: ntpd in orphan mode synchronizes"
  wait_until "$DEADLINE_S" bash -c "exec 3<>/dev/tcp/127.0.0.1/4460" || failed "ntpsec's NTS-KE port never listened"
  nts_sntpd ntpsec 12302 ca 127.0.0.1
  check "ntpsec: sntpd holds NTS keys and cookies" wait_until "$DEADLINE_S" authenticated ntpsec
  wait_for_log ntpsec "following upstream" && pass "ntpsec: sntpd follows its NTS upstream"
  wait_for_ntp 127.0.0.1:12302 synchronized
  run_capture out "$BIN/ntpprobe" -o json 127.0.0.1:12302
  check_offset "ntpsec: sntpd serves ntpd's time within its own stated error" "$out" 0
  check "ntpsec: no reply refused" [ "$(upstream 'rejected | add' ntpsec)" = 0 ]
fi

finish
