#!/usr/bin/env bash
# lansync-board (the firmware core's POSIX port) syncing from sntpd on
# loopback: its simulated crystal runs 40 ppm fast, and its clock, served on
# its own port and measured by ntpprobe, must end as near sntpd's as the error
# it states allows; the board's own status line must agree.  Then an sntpd with no reference
# (LI=3): the board stays unsynchronized and serves LI=3 itself.  Then
# listen-only mode, from sntpd's mode-5 broadcasts.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

start_sntpd sntpd --listen 127.0.0.1:11123 --local-stratum 10
wait_for_ntp 127.0.0.1:11123

start board "$BIN/lansync-board" --server 127.0.0.1:11123 --drift-ppm 40 --min-poll 2 --max-poll 8 \
  --serve 127.0.0.1:11124 --json
status=$(wait_synced board 40)
check "status: source ntp" [ "$(jq -r .source <<<"$status")" = ntp ]
check_board_offset "status: its last offset within its stated error" "$status"
check_board_freq "status: the crystal's +40 ppm found" "$status" board -40
check "status: server stratum 10" [ "$(jq -r .server_stratum <<<"$status")" = 10 ]
for i in 1 2 3; do
  check_board_vs_server "board - sntpd within the board's stated error, by ntpprobe ($i of 3)" \
    127.0.0.1:11124 127.0.0.1:11123
  sleep 2  # time passing is the point: the board keeps its time between polls
done
run_capture out "$BIN/ntpprobe" -o json 127.0.0.1:11124
check "the board serves stratum 11" [ "$(json stratum "$out")" = 11 ]
check "the board serves refid 127.0.0.1" [ "$(json refid "$out")" = 127.0.0.1 ]
check_offset "the board's root distance bounds its error (sntpd serves this machine's clock)" "$out" 0

# An sntpd with no reference answers LI=3: never used.
start_sntpd nosync --listen 127.0.0.1:11125
wait_for_ntp 127.0.0.1:11125
start unsync "$BIN/lansync-board" --server 127.0.0.1:11125 --min-poll 1 --max-poll 2 --serve 127.0.0.1:11126 --json
wait_for_log unsync "unsynchronized (LI=3"
# Refused once is logged once: wait until sntpd has answered it four times more.
nosync_requests() { "$BIN/sntpd" status --json --control "$WORK/nosync.sock" | jq '.counters.requests'; }
first=$(nosync_requests)
check "LI=3 server: the board keeps asking" wait_until "$DEADLINE_S" eval '[ "$(nosync_requests)" -ge $((first + 4)) ]'
check "LI=3 server: the board printed no synchronized status" bash -c "! grep -q '\"synchronized\":true' '$WORK/unsync.log'"
run_capture out "$BIN/ntpprobe" -o json 127.0.0.1:11126
check "LI=3 server: the board serves LI=3 (ntpprobe exit 3)" [ "$RC" -eq 3 ]
check "LI=3 server: leap 3, stratum 0" [ "$(json leap "$out") $(json stratum "$out")" = "3 0" ]

# Listen-only: sntpd broadcasts every second; the board only listens.
start_sntpd bcast --listen 127.0.0.1:11127 --local-stratum 10 --broadcast 127.0.0.1:11128 --broadcast-interval 1
wait_for_ntp 127.0.0.1:11127
start listener "$BIN/lansync-board" --listen-broadcast 127.0.0.1:11128 --drift-ppm -25 --serve 127.0.0.1:11129 --json
status=$(wait_synced listener 12)
check "broadcast: source broadcast" [ "$(jq -r .source <<<"$status")" = broadcast ]
check "broadcast: no requests sent" [ "$(jq -r .requests <<<"$status")" = 0 ]
check_board_vs_server "broadcast: board - sntpd within the board's stated error" 127.0.0.1:11129 127.0.0.1:11127

finish
