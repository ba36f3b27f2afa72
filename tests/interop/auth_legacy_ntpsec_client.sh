#!/usr/bin/env bash
# ntpsec's ntpd as an authenticating client of sntpd with the keys people
# already have: a SHA1 and an AES128 (CMAC) key from `chronyc keygen`, written
# in ntpsec's spelling (bare hex; AES, not chrony's AES128).  ntpd synchronizes
# to sntpd with each key (its signed replies accepted), and not when sntpd
# holds other keys under the same IDs (sntpd counts the bad MACs).  ntpd will
# not take a server on its own loopback: a second "host" (lib.sh second_host).
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
if [ ! -x "$NTPSEC_NTPD" ]; then
  echo "SKIP: ntpsec's ntpd is not unpacked at $NTPSEC_NTPD (scripts/install-deps.sh --test does it)"
  exit $SKIP
fi

{ chronyc keygen 1 SHA1 && chronyc keygen 2 AES128; } >"$WORK/sntpd.keys"
{ chronyc keygen 1 SHA1 && chronyc keygen 2 AES128; } >"$WORK/wrong.keys"
sed -e 's/ SHA1 HEX:/ SHA1 /' -e 's/ AES128 HEX:/ AES /' "$WORK/sntpd.keys" >"$WORK/ntpsec.keys"
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
  type=$([ $key = 1 ] && echo SHA1 || echo AES128)
  start_sntpd sntpd$key --listen 10.9.0.1:123 --local-stratum 10 --keys "$WORK/sntpd.keys"
  sntpd_pid=$LAST_PID
  wait_for_ntp 10.9.0.1:123
  ntpd_client $key
  ntpd_pid=$LAST_PID
  state=$(wait_for_state 10.9.0.2 "11 10.9.0.1" 60)
  check "ntpd with $type key $key synchronizes to sntpd: stratum 11, refid 10.9.0.1 (got '$state')" \
    [ "$state" = "11 10.9.0.1" ]
  check "... and sntpd saw no bad MAC from it" [ "$(counter sntpd$key bad_mac)" -eq 0 ]
  kill "$ntpd_pid" "$sntpd_pid"
  wait "$ntpd_pid" "$sntpd_pid" 2>/dev/null || true
done

# sntpd holding other keys under the same IDs: ntpd never synchronizes to it.
start_sntpd wrong --listen 10.9.0.1:123 --local-stratum 10 --keys "$WORK/wrong.keys"
wait_for_ntp 10.9.0.1:123
ntpd_client 2
sleep 25  # more than ntpd needed above
state=$(ntp_state 10.9.0.2 || true)
check "ntpd (AES128) refuses sntpd with another key: still unsynchronized (got '$state')" [ "${state%% *}" != 11 ]
bad=$(counter wrong bad_mac)
check "... and sntpd counted its requests as bad MACs ($bad)" [ "$bad" -gt 0 ]

finish
