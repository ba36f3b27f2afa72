#!/usr/bin/env bash
# ntpsec's ntpd as an authenticating client of sntpd (`server ... key N`,
# `keys`, `trustedkey`), with a SHA256 and a SHA512 key (or, with
# LANSYNC_KEYSET=legacy, auth_legacy_ntpsec_client.sh: the SHA1 and AES128
# keys `chronyc keygen` makes, in ntpsec's spelling: bare hex, AES): it
# synchronizes to sntpd with the shared key, and not when sntpd holds another
# key under the same ID (sntpd counts the bad MACs).  ntpd will not take a
# server on its own loopback, so it runs on a second "host" joined by a veth
# pair (lib.sh second_host).
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
if [ ! -x "$NTPSEC_NTPD" ]; then
  echo "SKIP: ntpsec's ntpd is not unpacked at $NTPSEC_NTPD (scripts/install-deps.sh --test does it)"
  exit $SKIP
fi

if [ "${LANSYNC_KEYSET:-sha2}" = legacy ]; then
  types=(SHA1 AES128)
  { chronyc keygen 1 SHA1 && chronyc keygen 2 AES128; } >"$WORK/sntpd.keys"
  { chronyc keygen 1 SHA1 && chronyc keygen 2 AES128; } >"$WORK/wrong.keys"
  sed -e 's/ SHA1 HEX:/ SHA1 /' -e 's/ AES128 HEX:/ AES /' "$WORK/sntpd.keys" >"$WORK/ntpsec.keys"
else
  types=(SHA256 SHA512)
  K1=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
  K2=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
  printf '1 SHA256 HEX:%s\n2 SHA512 HEX:%s\n' $K1 $K2 >"$WORK/sntpd.keys"
  printf '1 SHA256 %s\n2 SHA512 %s\n' $K1 $K2 >"$WORK/ntpsec.keys"  # the same keys, ntpsec's syntax
  printf '1 SHA256 HEX:ff%s\n2 SHA512 HEX:ff%s\n' ${K1:2} ${K2:2} >"$WORK/wrong.keys"
fi
chmod 600 "$WORK"/*.keys

second_host 10.9.0.1 10.9.0.2
ntpd_client() {  # KEY
  {
    echo "server 10.9.0.1 key $1 iburst minpoll 3 maxpoll 3"
    echo "tos minsane 1"
    echo "restrict default"  # no default rate limit on our ntpprobe queries
    echo "keys $WORK/ntpsec.keys"
    echo "trustedkey 1 2"
    echo "driftfile $WORK/ntpd.drift"
  } >"$WORK/ntpd.conf"
  start ntpd nsenter -t "$PEER" -n "$NTPSEC_NTPD" -n -c "$WORK/ntpd.conf" -l "$WORK/ntpd.daemon.log"
}
counter() { "$BIN/sntpd" status --json --control "$WORK/$1.sock" | jq -r ".counters.dropped.$2 // .counters.$2"; }

for key in 1 2; do
  type=${types[$((key - 1))]}
  start_sntpd sntpd$key --listen 10.9.0.1:123 --local-stratum 10 --keys "$WORK/sntpd.keys"
  sntpd_pid=$LAST_PID
  wait_for_ntp 10.9.0.1:123
  base=$(counter sntpd$key requests)
  ntpd_client $key
  ntpd_pid=$LAST_PID
  state=$(wait_for_state 10.9.0.2 "11 10.9.0.1" 60)
  check "ntpd with $type key $key synchronizes to sntpd: stratum 11, refid 10.9.0.1 (got '$state')" \
    [ "$state" = "11 10.9.0.1" ]
  needed=$(($(counter sntpd$key requests) - base))  # the requests ntpd sent before it synchronized
  check "... and sntpd saw no bad MAC from it" [ "$(counter sntpd$key bad_mac)" -eq 0 ]
  kill "$ntpd_pid" "$sntpd_pid"
  wait "$ntpd_pid" "$sntpd_pid" 2>/dev/null || true
done

# sntpd holding other keys under the same IDs: ntpd never synchronizes to it.
start_sntpd wrong --listen 10.9.0.1:123 --local-stratum 10 --keys "$WORK/wrong.keys"
wait_for_ntp 10.9.0.1:123
base=$(counter wrong requests)
ntpd_client 2
# Until ntpd has sent two requests more than it needed to synchronize above.
check "ntpd asks sntpd with another key as often as it needed to synchronize, and twice more" \
  wait_until $((DEADLINE_S * 2)) eval '[ $(($(counter wrong requests) - base)) -ge $((needed + 2)) ]'
state=$(ntp_state 10.9.0.2 || true)
check "ntpd (${types[1]}) refuses sntpd with another key: still unsynchronized (got '$state')" [ "${state%% *}" != 11 ]
bad=$(counter wrong bad_mac)
check "... and sntpd counted its requests as bad MACs ($bad)" [ "$bad" -gt 0 ]

finish
