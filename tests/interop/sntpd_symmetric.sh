#!/usr/bin/env bash
# chronyd as a symmetric-active peer of sntpd (`peer`, NTP mode 1), the way
# Windows' w32tm asks without `,0x8`: sntpd answers in passive mode 2 without
# an association, and chronyd selects it and synchronizes to it, in basic and
# interleaved (xleave) mode and with a SHA256 key.  A peer of an sntpd without
# a reference gets LI=3 and does not select it.  chronyd runs with -x in the
# private namespace: it never touches the clock.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

printf '1 SHA256 HEX:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n' >"$WORK/ntp.keys"
chmod 600 "$WORK/ntp.keys"

# chrony_peer NAME ADDRESS PORT [OPTIONS]: a chronyd on ADDRESS (its own NTP
# port 11300, from which its mode-1 packets leave) with sntpd at 127.0.0.1:PORT
# as its symmetric peer, polled every 0.25 s; its chronyc socket at
# $WORK/NAME.sock.  Each peer has its own address: sntpd keeps interleaved
# state per address.
chrony_peer() {
  local name=$1 address=$2 port=$3
  shift 3
  chronyd_x "$name" "peer 127.0.0.1 port $port minpoll -2 maxpoll -2 $*" "port 11300" "bindaddress $address" \
    "keyfile $WORK/ntp.keys"
}
# selected NAME: chronyd lists sntpd as a peer ('=') and has selected it ('*').
selected() { chronyc -h "$WORK/$1.sock" -n sources 2>/dev/null | grep -q '^=\* 127.0.0.1 '; }
counter() { "$BIN/sntpd" status --json --control "$WORK/$1.sock" | jq -r ".counters.dropped.$2 // .counters.$2"; }

start_sntpd synced --listen 127.0.0.1:11123 --local-stratum 10 --keys "$WORK/ntp.keys"
start_sntpd unsynced --listen 127.0.0.1:11124
wait_for_ntp 127.0.0.1:11123
wait_for_ntp 127.0.0.1:11124

chrony_peer basic 127.0.0.2 11123
chrony_peer xleave 127.0.0.3 11123 xleave
chrony_peer keyed 127.0.0.4 11123 key 1
chrony_peer refuses 127.0.0.5 11124

for c in basic xleave keyed; do
  check "$c: chronyd selects sntpd as its peer ('=*')" wait_until "$DEADLINE_S" selected "$c"
  check "$c: sntpd answered in symmetric passive mode" [ "$(ntpdata "$c" Mode)" = "Symmetric passive" ]
  check "$c: chronyd tracks sntpd (reference $(tracking "$c" 'Reference ID'))" \
    bash -c "chronyc -h '$WORK/$c.sock' -n tracking | grep -q '^Reference ID *: 7F000001 (127.0.0.1)'"
  check "$c: chronyd serves stratum 11 ($(tracking "$c" Stratum))" [ "$(tracking "$c" Stratum)" = 11 ]
done
check "basic: not interleaved" [ "$(ntpdata basic Interleaved)" = No ]
check "xleave: interleaved" [ "$(ntpdata xleave Interleaved)" = Yes ]
check "keyed: authenticated" [ "$(ntpdata keyed Authenticated)" = Yes ]
# The first interleaved reply can only carry the time sntpd stamped its previous, basic reply
# (that one asked the kernel for no transmit time): off by the send's latency, tens of us under
# load.  From the second on, each carries when the previous reply left, as the kernel saw it.  A
# symmetric peer in interleaved mode measures an exchange only when the next packet brings its
# transmit time: after the third interleaved reply chronyd's newest measurement was still, one
# run in three here, the first's (-78 to -156 us); from the fourth on, a kernel's (within 1 us:
# 30 measurements in one run, the first four in each of four more).  Five, for a margin.
interleaved_five() { [ "$(counter synced interleaved_replies)" -ge 5 ]; }
check "xleave: sntpd answered interleaved five times" wait_until "$DEADLINE_S" interleaved_five
check_ntpdata_offset "xleave: chronyd measures sntpd within the error of its measurement" xleave

check "sntpd counted passive replies ($(counter synced passive_replies))" [ "$(counter synced passive_replies)" -gt 0 ]
check "sntpd dropped no peer request as not_request" [ "$(counter synced not_request)" -eq 0 ]
check "sntpd signed its passive replies (no bad MACs)" [ "$(counter synced bad_mac)" -eq 0 ]
check "sntpd status shows passive replies" \
  bash -c "'$BIN/sntpd' status --control '$WORK/synced.sock' | grep -qE '^Replies *: [0-9]+ \\([0-9]+ interleaved, [1-9][0-9]* passive,'"

# The unsynchronized sntpd answers the peer, and chronyd refuses what it says.
check "refuses: chronyd got passive replies" [ "$(ntpdata refuses 'Total valid RX')" -gt 0 ]
check "refuses: leap status not synchronised" [ "$(ntpdata refuses 'Leap status')" = "Not synchronised" ]
check "refuses: not selected" bash -c "! chronyc -h '$WORK/refuses.sock' -n sources | grep -q '^.\\*'"

finish
