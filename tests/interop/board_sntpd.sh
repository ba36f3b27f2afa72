#!/usr/bin/env bash
# lansync-board (the firmware core's POSIX port) syncing from sntpd on
# loopback: its simulated crystal runs 40 ppm fast, and its clock, served on
# its own port and measured by ntpprobe, must end within 1 ms of sntpd's; the
# board's own status line must agree.  Then an sntpd with no reference
# (LI=3): the board stays unsynchronized and serves LI=3 itself.  Then
# listen-only mode, from sntpd's mode-5 broadcasts.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

# board_vs_server BOARD SERVER: ntpprobe's offset of the board's clock minus
# that of the server's, both measured against this machine's clock.
board_vs_server() {
  local b s
  b=$("$BIN/ntpprobe" -o json "$1" | jq -r .offset_s)
  s=$("$BIN/ntpprobe" -o json "$2" | jq -r .offset_s)
  awk -v b="$b" -v s="$s" 'BEGIN { printf "%.6f\n", b - s }'
}

start_sntpd sntpd --listen 127.0.0.1:11123 --local-stratum 10
wait_for_ntp 127.0.0.1:11123

start board "$BIN/lansync-board" --server 127.0.0.1:11123 --drift-ppm 40 --min-poll 2 --max-poll 8 \
  --serve 127.0.0.1:11124 --json
status=$(wait_synced board 40)
check "status: source ntp" [ "$(jq -r .source <<<"$status")" = ntp ]
check "status: its last offset within 1 ms ($(jq -r .offset_s <<<"$status") s)" \
  near "$(jq -r .offset_s <<<"$status")" 0 0.001
check "status: the crystal's +40 ppm found ($(jq -r .freq_ppm <<<"$status") ppm)" \
  near "$(jq -r .freq_ppm <<<"$status")" -40 2
check "status: server stratum 10" [ "$(jq -r .server_stratum <<<"$status")" = 10 ]
for i in 1 2 3; do
  d=$(board_vs_server 127.0.0.1:11124 127.0.0.1:11123)
  check "board - sntpd within 1 ms, measured by ntpprobe ($d s, $i of 3)" near "$d" 0 0.001
  sleep 2
done
run_capture out "$BIN/ntpprobe" -o json 127.0.0.1:11124
check "the board serves stratum 11" [ "$(json stratum "$out")" = 11 ]
check "the board serves refid 127.0.0.1" [ "$(json refid "$out")" = 127.0.0.1 ]
check "the board's root distance bounds its error (< 10 ms)" \
  awk -v d="$(json root_delay_s "$out")" -v e="$(json root_dispersion_s "$out")" 'BEGIN { exit !(d / 2 + e < 0.01) }'

# An sntpd with no reference answers LI=3: never used.
start_sntpd nosync --listen 127.0.0.1:11125
wait_for_ntp 127.0.0.1:11125
start unsync "$BIN/lansync-board" --server 127.0.0.1:11125 --min-poll 1 --max-poll 2 --serve 127.0.0.1:11126 --json
wait_for_log unsync "unsynchronized (LI=3"
sleep 3
check "LI=3 server: the board printed no synchronized status" bash -c "! grep -q '\"synchronized\":true' '$WORK/unsync.log'"
run_capture out "$BIN/ntpprobe" -o json 127.0.0.1:11126
check "LI=3 server: the board serves LI=3 (ntpprobe exit 3)" [ "$RC" -eq 3 ]
check "LI=3 server: leap 3, stratum 16" [ "$(json leap "$out") $(json stratum "$out")" = "3 16" ]

# Listen-only: sntpd broadcasts every second; the board only listens.
start_sntpd bcast --listen 127.0.0.1:11127 --local-stratum 10 --broadcast 127.0.0.1:11128 --broadcast-interval 1
wait_for_ntp 127.0.0.1:11127
start listener "$BIN/lansync-board" --listen-broadcast 127.0.0.1:11128 --drift-ppm -25 --serve 127.0.0.1:11129 --json
status=$(wait_synced listener 12)
check "broadcast: source broadcast" [ "$(jq -r .source <<<"$status")" = broadcast ]
check "broadcast: no requests sent" [ "$(jq -r .requests <<<"$status")" = 0 ]
d=$(board_vs_server 127.0.0.1:11129 127.0.0.1:11127)
check "broadcast: board - sntpd within 1 ms ($d s)" near "$d" 0 0.001

finish
