#!/usr/bin/env bash
# ntpprobe against chronyd servers on loopback: a correct clock, clocks 2.5 s
# off (faketime), IPv6, several servers with a falseticker, --max-offset, and a
# server that never answers.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

chronyd_server good 11123 -- "${CHRONY_SERVES[@]}"
chronyd_server ahead 11124 faketime -f "+2.5s" -- "${CHRONY_SERVES[@]}"
chronyd_server behind 11125 faketime -f "-2.5s" -- "${CHRONY_SERVES[@]}"
chronyd_server good2 11126 -- "${CHRONY_SERVES[@]}"
chronyd_server silent 11127 -- "local stratum 10" "allow 10.0.0.0/8"   # drops loopback clients
for p in 11123 11124 11125 11126; do wait_for_ntp "127.0.0.1:$p"; done

# check_offset_vs_chrony DESCRIPTION NTPPROBE_JSON PORT: the offset ntpprobe
# measured of a faketime server is the one chronyd -Q measures, within both errors.
check_offset_vs_chrony() {
  local truth err
  read -r truth err <<<"$(chrony_truth "$3")"
  check_offset "$1: offset as chronyd -Q measures it ($truth s) within both errors" "$2" "$truth" "$err"
}

run_capture out "$BIN/ntpprobe" -o json 127.0.0.1:11123
check "chronyd: exit 0" [ "$RC" -eq 0 ]
check_offset "chronyd: offset within its stated error" "$out" 0
check "chronyd: stratum 10" [ "$(json stratum "$out")" = 10 ]
check "chronyd: refid 127.127.1.1" [ "$(json refid "$out")" = 127.127.1.1 ]
check "chronyd: 4 of 4 samples" [ "$(json samples_ok "$out")/$(json samples_sent "$out")" = 4/4 ]

run_capture out "$BIN/ntpprobe" -o json "[::1]:11123"
check "chronyd over IPv6: exit 0" [ "$RC" -eq 0 ]
check "chronyd over IPv6: address ::1" [ "$(json address "$out")" = ::1 ]
check_offset "chronyd over IPv6: offset within its stated error" "$out" 0

run_capture out "$BIN/ntpprobe" -o json 127.0.0.1:11124
check "faketime +2.5 s: exit 0" [ "$RC" -eq 0 ]
check_offset_vs_chrony "faketime +2.5 s" "$out" 11124

run_capture out "$BIN/ntpprobe" -o json 127.0.0.1:11125
check_offset_vs_chrony "faketime -2.5 s" "$out" 11125

# Three servers, one 2.5 s off: the majority wins and the odd one is named.
run_capture out "$BIN/ntpprobe" -o json 127.0.0.1:11123 127.0.0.1:11124 127.0.0.1:11126
check "three servers: exit 0" [ "$RC" -eq 0 ]
combined=$(tail -n 1 <<<"$out")
check "three servers: a combined line" [ "$(json server "$combined")" = combined ]
# The combined offset is within the larger stated error of the two that agree.
err=$(for l in 1 3; do probe_error_s "$(sed -n ${l}p <<<"$out")"; done | sort -g | tail -n 1)
check "three servers: combined offset within their stated error ($(json offset_s "$combined") s, +- $err s)" \
  near "$(json offset_s "$combined")" 0 "$err"
check "three servers: 2 agree" [ "$(json samples_ok "$combined")" = 2 ]
check "three servers: the +2.5 s one is a falseticker" \
  [ "$(sed -n 2p <<<"$out" | jq -r .status)" = falseticker ]

# Two servers that disagree: no majority, exit 3.
expect_exit 3 "two disagreeing servers" "$BIN/ntpprobe" 127.0.0.1:11123 127.0.0.1:11124

expect_exit 4 "--max-offset 1 against a server 2.5 s ahead" "$BIN/ntpprobe" --max-offset 1 127.0.0.1:11124
expect_exit 0 "--max-offset 3 against a server 2.5 s ahead" "$BIN/ntpprobe" --max-offset 3 127.0.0.1:11124

# A server that never answers: exit 1 within the timeout.  The outer timeout
# only guards against a hang; it is not a measurement.
run_capture out timeout 10 "$BIN/ntpprobe" -o json -t 0.5 127.0.0.1:11127
check "silent server: exit 1" [ "$RC" -eq 1 ]
check "silent server: status timeout, 4 sent, 0 ok" \
  [ "$(json status "$out") $(json samples_sent "$out") $(json samples_ok "$out")" = "timeout 4 0" ]

# Nothing listening: ICMP port unreachable, reported at the timeout (a forged one ends nothing: tests/adversarial).
run_capture out timeout 10 "$BIN/ntpprobe" -o json -t 0.5 127.0.0.1:11199
check "closed port: exit 1" [ "$RC" -eq 1 ]
check "closed port: status error" [ "$(json status "$out")" = error ]

# No route at all inside this namespace (documentation address, never leaves it).
expect_exit 1 "unreachable network" timeout 10 "$BIN/ntpprobe" -t 0.5 192.0.2.1

# CSV: a header naming every field, one row per server, one combined row.
run_capture out "$BIN/ntpprobe" -o csv 127.0.0.1:11123 127.0.0.1:11126
check "CSV header" [ "$(head -n 1 <<<"$out")" = \
  "server,address,port,status,offset_s,delay_s,stratum,leap,refid,root_delay_s,root_dispersion_s,precision,version,samples_sent,samples_ok,kod" ]
check "CSV: 3 rows after the header" [ "$(tail -n +2 <<<"$out" | wc -l)" -eq 3 ]
check "CSV: 16 columns in every row" \
  [ "$(awk -F, '{ print NF }' <<<"$out" | sort -u)" = 16 ]

finish
