#!/usr/bin/env bash
# lansync-board syncing from a real chronyd whose clock runs 2.5 s ahead
# (faketime): the board's clock, served on its own port, must end 2.5 s ahead
# of this machine's too, as near chronyd's as the error it states allows, as
# ntpprobe measures both, with a crystal 30 ppm slow.  Then chronyd -Q, chrony's own client, reads the
# board as a server and agrees.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

chronyd_server ahead 11123 faketime -f "+2.5s" -- "${CHRONY_SERVES[@]}"
wait_for_ntp 127.0.0.1:11123
# Where chronyd's fake clock really is (lib.sh, chrony_truth): about 2.5 s ahead.
read -r ahead ahead_err <<<"$(chrony_truth 11123)"

start board "$BIN/lansync-board" --server 127.0.0.1:11123 --drift-ppm -30 --min-poll 2 --max-poll 8 \
  --serve 127.0.0.1:11124 --json
line=$(wait_synced board 40 || true)
check "the board synchronized from chronyd" [ "$(jq -r .synchronized <<<"$line" 2>/dev/null)" = true ]
check "its first sync stepped it (the log says so)" grep -q "clock set from ntp" "$WORK/board.log"
check_board_offset "status: last offset within its stated error" "$line"
check_board_freq "status: the crystal's -30 ppm found" "$line" board 30

for i in 1 2 3; do
  run_capture out "$BIN/ntpprobe" -o json 127.0.0.1:11124
  check_offset "board +2.5 s ahead like chronyd ($ahead s), within both errors ($i of 3)" "$out" "$ahead" "$ahead_err"
  check_board_vs_server "board - chronyd within the board's stated error ($i of 3)" 127.0.0.1:11124 127.0.0.1:11123
  sleep 2  # time passing is the point: the board keeps its time between polls
done

# chronyd -Q: chrony as a client of the board changes nothing and prints the offset.
out=$(chrony_q 10 "server 127.0.0.1 port 11124 iburst maxsamples 1")
off=$(clock_wrong_by "$out")
check "chronyd -Q accepts the board ($off s)" [ -n "$off" ]
err=$(sum "$(chrony_q_error)" "$ahead_err")
check "chronyd -Q sees the board 2.5 s ahead like chronyd ($ahead s), within both measurements' errors (+- $err s)" \
  near "$off" "$ahead" "$err"

finish
