#!/usr/bin/env bash
# sntpd's policy on the wire: access control, rate limiting with and without
# Kiss-o'-Death, and a flood of malformed, oversized and wrong-mode packets
# from many source ports, during which valid clients are still answered and
# no bad packet is.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

counter() { "$BIN/sntpd" status --json --control "$WORK/$1.sock" | jq -r ".counters.$2"; }

# --- Access control: the most specific rule wins.
start_sntpd denied --listen 127.0.0.1:11001 --local-stratum 10 --deny 127.0.0.0/8
start_sntpd carved --listen 127.0.0.1:11002 --local-stratum 10 --deny 127.0.0.0/8 --allow 127.0.0.1/32
wait_for_ntp 127.0.0.1:11002
wait_for_log denied "reference: local clock"
expect_exit 1 "denied client gets no reply" "$BIN/ntpprobe" -t 0.3 127.0.0.1:11001
check "...and is counted ($(counter denied dropped.access_denied))" [ "$(counter denied dropped.access_denied)" -eq 4 ]
check "...and not answered at all" [ "$(counter denied replies)" -eq 0 ]
expect_exit 0 "a /32 allowed inside a denied /8 is answered" "$BIN/ntpprobe" 127.0.0.1:11002

# --- Rate limiting: a burst of 2, then a kiss or silence.
start_sntpd kod --listen 127.0.0.1:11003 --local-stratum 10 --ratelimit --ratelimit-burst 2 \
  --ratelimit-interval 6 --ratelimit-leak 4 --ratelimit-kod
start_sntpd quiet --listen 127.0.0.1:11004 --local-stratum 10 --ratelimit --ratelimit-burst 2 \
  --ratelimit-interval 6 --ratelimit-leak 4
wait_for_ntp 127.0.0.1:11003 # uses one token of each
wait_for_ntp 127.0.0.1:11004
# The burst's requests go 1 ms apart: on a loaded machine several leave before
# the kiss is back, so the burst is the longest ntpprobe sends (64).
run_capture out "$BIN/ntpprobe" -o json -n 64 127.0.0.1:11003
check "over the limit: ntpprobe reports the kiss RATE" [ "$(json kod "$out")" = RATE ]
check "over the limit: ntpprobe stopped its burst ($(json samples_sent "$out") of 64 sent)" \
  [ "$(json samples_sent "$out")" -lt 64 ]
check "sntpd counted its kisses ($(counter kod kod_sent))" [ "$(counter kod kod_sent)" -ge 1 ]
run_capture out "$BIN/ntpprobe" -o json -n 8 -t 0.3 127.0.0.1:11004
# One token is left; of the 7 requests over the limit, 1 in 16 leaks through
# at random (so that a spoofer cannot lock a client out): 5 or more leaking
# has odds of about one in a million.
check "without --ratelimit-kod the excess is dropped ($(json samples_ok "$out") of 8 answered)" \
  [ "$(json samples_ok "$out")" -le 5 ]
limited=$(counter quiet dropped.rate_limited)
check "...and every dropped one counted as rate-limited ($limited)" \
  [ "$limited" -eq $((8 - $(json samples_ok "$out"))) ]

# --- Flood: every kind of bad packet, each from a new source port.
start_sntpd flood --listen 127.0.0.1:123 --local-stratum 10
wait_for_ntp 127.0.0.1:123
received_before=$(counter flood requests)
replies_before=$(counter flood replies)
# packet NAME FIRST_BYTE LENGTH: a file holding the byte, then zeros up to
# LENGTH bytes.  Sent from a file so that cat writes it whole, as one datagram.
packet() { { printf "\\x$2"; head -c $(($3 - 1)) /dev/zero; } >"$WORK/$1.bin"; }
packet ntpq 16 12         # ntpq (mode 6) readvar, 12 bytes
packet ntpdc 17 48        # ntpdc (mode 7), e.g. monlist
packet server 24 48       # server mode
packet passive 22 48      # symmetric passive (active, mode 1, is answered: sntpd_symmetric.sh)
packet bcast 25 48        # broadcast
packet v0 03 48           # version 0
packet v5 2b 48           # version 5
packet short 23 20        # client, truncated
packet huge 23 2000       # client, oversized
packet tail 23 70         # client, 22 bytes that are neither MAC nor extension
head -c 100 /dev/urandom >"$WORK/noise.bin"
printf '\x40' | dd of="$WORK/noise.bin" bs=1 count=1 conv=notrunc status=none  # version 0: never valid
send() {  # FILE -> one datagram to 127.0.0.1:123 from a fresh source port
  exec 3<>/dev/udp/127.0.0.1/123
  cat "$WORK/$1.bin" >&3
  exec 3>&-
}
bad=0
valid_sent=0
for round in $(seq 30); do
  for p in ntpq ntpdc server passive bcast v0 v5 short huge tail noise; do
    send "$p"
    bad=$((bad + 1))
  done
  # A valid client in the middle of it all.
  if [ $((round % 5)) -eq 0 ]; then
    run_capture out "$BIN/ntpprobe" -o json -n 2 127.0.0.1
    check "valid client answered during the flood (round $round)" [ "$(json samples_ok "$out")" -eq 2 ]
    valid_sent=$((valid_sent + 2))
  fi
done
# Until sntpd has read them all (every packet counts as a request), then what it did with them.
wait_until "$DEADLINE_S" eval '[ $(($(counter flood requests) - received_before)) -ge $((bad + valid_sent)) ]' || true
received=$(($(counter flood requests) - received_before))
replies=$(($(counter flood replies) - replies_before))
dropped=$(counter flood dropped_total)
check "sntpd read every packet ($received of $((bad + valid_sent)))" [ "$received" -eq $((bad + valid_sent)) ]
check "it answered only the valid requests ($replies replies to $valid_sent)" [ "$replies" -eq "$valid_sent" ]
check "it dropped every bad packet ($dropped of $bad)" [ "$dropped" -eq "$bad" ]
check "malformed, oversized and bad versions counted as malformed" \
  [ "$(counter flood dropped.malformed)" -eq $((30 * 8)) ]
check "server, symmetric passive and broadcast modes counted as not requests" \
  [ "$(counter flood dropped.not_request)" -eq $((30 * 3)) ]
expect_exit 0 "sntpd still answers after the flood" "$BIN/ntpprobe" 127.0.0.1

finish
