#!/usr/bin/env bash
# lansync-board syncing from a real chronyd whose clock runs 2.5 s ahead
# (faketime): the board's clock, served on its own port, must end 2.5 s ahead
# of this machine's too, within 1 ms of chronyd's as ntpprobe measures both,
# with a crystal 30 ppm slow.  Then chronyd -Q, chrony's own client, reads the
# board as a server and agrees.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

chronyd_server ahead 11123 faketime -f "+2.5s" -- "${CHRONY_SERVES[@]}"
wait_for_ntp 127.0.0.1:11123

start board "$BIN/lansync-board" --server 127.0.0.1:11123 --drift-ppm -30 --min-poll 2 --max-poll 8 \
  --serve 127.0.0.1:11124 --json
line=""
for _ in $(seq 400); do
  line=$(grep '^{' "$WORK/board.log" | tail -n 1 || true)
  [ -n "$line" ] && [ "$(jq -r .samples <<<"$line")" -ge 40 ] && break
  sleep 0.1
done
check "the board synchronized from chronyd" [ "$(jq -r .synchronized <<<"$line")" = true ]
check "its first sync stepped it (the log says so)" grep -q "clock set from ntp" "$WORK/board.log"
check "status: last offset within 1 ms ($(jq -r .offset_s <<<"$line") s)" near "$(jq -r .offset_s <<<"$line")" 0 0.001
check "status: the crystal's -30 ppm found ($(jq -r .freq_ppm <<<"$line") ppm)" near "$(jq -r .freq_ppm <<<"$line")" 30 2

for i in 1 2 3; do
  b=$("$BIN/ntpprobe" -o json 127.0.0.1:11124 | jq -r .offset_s)
  c=$("$BIN/ntpprobe" -o json 127.0.0.1:11123 | jq -r .offset_s)
  check "board +2.5 s ahead like chronyd ($b s vs $c s, $i of 3)" near "$b" 2.5 0.002
  check "board - chronyd within 1 ms ($i of 3)" near "$(awk -v b="$b" -v c="$c" 'BEGIN { print b - c }')" 0 0.001
  sleep 2
done

# chronyd -Q: chrony as a client of the board changes nothing and prints the offset.
out=$(chronyd -Q -u root -t 10 -f /dev/null "server 127.0.0.1 port 11124 iburst maxsamples 1" 2>&1 || true)
off=$(sed -n 's/.*System clock wrong by \([-0-9.]*\) seconds.*/\1/p' <<<"$out")
check "chronyd -Q accepts the board ($off s)" [ -n "$off" ]
check "chronyd -Q sees the board 2.5 s ahead" near "$off" 2.5 0.002

finish
