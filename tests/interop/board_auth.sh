#!/usr/bin/env bash
# lansync-board with a symmetric key (--keys, --key), SHA256 and SHA512:
#   it syncs from `sntpd --keys` with the shared key, and from chronyd with
#     the same key in its keyfile;
#   in server mode it answers ntpprobe --key with signed replies, and a
#     request signed with another key not at all;
#   with a wrong key it stays unsynchronized, and sntpd counts its bad MACs;
#   listen-only with a key, it takes none of sntpd's (unsigned) broadcasts.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

K1=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
K2=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
W1=ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
printf '1 SHA256 HEX:%s\n2 SHA512 HEX:%s\n' $K1 $K2 >"$WORK/good.keys"
printf '1 SHA256 HEX:%s\n' $W1 >"$WORK/wrong.keys"
chmod 600 "$WORK"/*.keys

counter() { "$BIN/sntpd" status --json --control "$WORK/sntpd.sock" | jq -r ".counters.dropped.$1 // .counters.$1"; }

start_sntpd sntpd --listen 127.0.0.1:11123 --local-stratum 10 --keys "$WORK/good.keys"
wait_for_ntp 127.0.0.1:11123

port=11130
for key in 1 2; do
  type=$([ $key = 1 ] && echo SHA256 || echo SHA512)
  start board$key "$BIN/lansync-board" --server 127.0.0.1:11123 --keys "$WORK/good.keys" --key $key \
    --drift-ppm 30 --min-poll 2 --max-poll 4 --serve 127.0.0.1:$port --json
  check "$type: the board names its key" wait_for_log board$key "authentication: key $key ($type)"
  status=$(wait_synced board$key 8)
  check_board_offset "$type: the board syncs from sntpd --keys, offset within its stated error" "$status"
  check "$type: no reply refused" [ "$(jq -r .unauthenticated <<<"$status")" = 0 ]
  run_capture out "$BIN/ntpprobe" -o json --keys "$WORK/good.keys" --key $key 127.0.0.1:$port
  check "$type: the board answers ntpprobe --key $key with a signed reply (exit $RC)" [ "$RC" -eq 0 ]
  run_capture out "$BIN/ntpprobe" -n 1 -t 0.5 --keys "$WORK/wrong.keys" --key 1 127.0.0.1:$port
  check "$type: the board does not answer another key (exit $RC)" [ "$RC" -eq 1 ]
  kill "$LAST_PID"
  port=$((port + 1))
done
check "sntpd counted no bad MAC so far" [ "$(counter bad_mac)" = 0 ]

# A wrong key: sntpd answers none of its requests, the board never syncs.
start wrong "$BIN/lansync-board" --server 127.0.0.1:11123 --keys "$WORK/wrong.keys" --key 1 \
  --min-poll 1 --max-poll 2 --json
wait_for_log wrong "no reply from the server"
check "wrong key: the board printed no synchronized status" \
  bash -c "! grep -q '\"synchronized\":true' '$WORK/wrong.log'"
check "wrong key: sntpd counted the board's bad MACs ($(counter bad_mac))" [ "$(counter bad_mac)" -gt 0 ]

# Listen-only with a key: sntpd's broadcasts, unsigned by default, are not used.
start_sntpd bcast --listen 127.0.0.1:11125 --local-stratum 10 --broadcast 127.0.0.1:11126 --broadcast-interval 1
wait_for_ntp 127.0.0.1:11125
start listener "$BIN/lansync-board" --listen-broadcast 127.0.0.1:11126 --keys "$WORK/good.keys" --key 1 --json
check "broadcast with a key: unsigned broadcasts refused" wait_for_log listener "a reply not used: unsigned"
# Refused once is logged once: wait until sntpd has sent three broadcasts more.
bcast_sent() { "$BIN/sntpd" status --json --control "$WORK/bcast.sock" | jq .counters.broadcasts_sent; }
first=$(bcast_sent)
check "broadcast with a key: three more broadcasts sent" wait_until "$DEADLINE_S" eval '[ "$(bcast_sent)" -ge $((first + 3)) ]'
check "broadcast with a key: no synchronized status" bash -c "! grep -q '\"synchronized\":true' '$WORK/listener.log'"
# sntpd --broadcast-key signs them: the listener with that key syncs from them,
# one with another key still refuses them.
start_sntpd sbcast --listen 127.0.0.1:11128 --local-stratum 10 --keys "$WORK/good.keys" \
  --broadcast 127.0.0.1:11129 --broadcast 127.0.0.1:11130 --broadcast-interval 1 --broadcast-key 2
wait_for_ntp 127.0.0.1:11128
start slistener "$BIN/lansync-board" --listen-broadcast 127.0.0.1:11129 --keys "$WORK/good.keys" --key 2 --json
status=$(wait_synced slistener 2)
check_board_offset "signed broadcasts (SHA512 key 2): the listener syncs, offset within its stated error" "$status"
start wlistener "$BIN/lansync-board" --listen-broadcast 127.0.0.1:11130 --keys "$WORK/wrong.keys" --key 1 --json
check "signed broadcasts, another key: refused" wait_for_log wlistener "a reply not used"
check "signed broadcasts, another key: no synchronized status" \
  bash -c "! grep -q '\"synchronized\":true' '$WORK/wlistener.log'"
expect_exit 2 "sntpd --broadcast-key without --keys" \
  "$BIN/sntpd" --listen 127.0.0.1:11131 --broadcast 127.0.0.1:11129 --broadcast-key 1 --control "$WORK/x.sock"
expect_exit 2 "sntpd --broadcast-key of a key not in the file" "$BIN/sntpd" --listen 127.0.0.1:11131 \
  --keys "$WORK/good.keys" --broadcast 127.0.0.1:11129 --broadcast-key 9 --control "$WORK/x.sock"

# chronyd with the same key in its keyfile.
if command -v chronyd >/dev/null; then
  chronyd_server chronyd 11127 -- "keyfile $WORK/good.keys" "${CHRONY_SERVES[@]}"
  wait_for_ntp 127.0.0.1:11127
  start chrony1 "$BIN/lansync-board" --server 127.0.0.1:11127 --keys "$WORK/good.keys" --key 1 \
    --min-poll 2 --max-poll 4 --json
  status=$(wait_synced chrony1 8)
  check_board_offset "chronyd: the board syncs with the SHA256 key, offset within its stated error" "$status"
  start chronyw "$BIN/lansync-board" --server 127.0.0.1:11127 --keys "$WORK/wrong.keys" --key 1 \
    --min-poll 1 --max-poll 2 --json
  wait_for_log chronyw "no reply from the server\|a reply not used"
  sleep 2  # time passing is the point: a poll or two more (--min-poll 1), none of them taken
  check "chronyd, wrong key: no synchronized status" bash -c "! grep -q '\"synchronized\":true' '$WORK/chronyw.log'"
else
  echo "skip  chronyd is not installed"
fi

finish
