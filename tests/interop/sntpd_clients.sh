#!/usr/bin/env bash
# Real clients against sntpd: chronyd as a one-shot client (chronyd -Q) and
# ntpsec's ntpdig accept a synchronized sntpd and refuse an unsynchronized one
# (LI=3); ntpprobe too.  sntpd serves IPv4 and IPv6 and stops cleanly.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

# chronyd -Q: "System clock wrong by X seconds (ignored)" when it accepts.
chrony_query() {  # HOST PORT
  chrony_q 3 "server $1 port $2 iburst maxsamples 1"
}

# Synchronized: local stratum 10, on port 123 (for ntpdig) over IPv4 and IPv6.
start_sntpd sntpd --listen 127.0.0.1:123 --listen "[::1]:123" --local-stratum 10
wait_for_ntp 127.0.0.1:123

out=$(chrony_query 127.0.0.1 123)
x=$(clock_wrong_by "$out")
check "chronyd -Q accepts sntpd" [ -n "$x" ]
check "chronyd -Q: offset within its measurement's error ($x s, +- $(chrony_q_error) s)" near "$x" 0 "$(chrony_q_error)"

run_capture out ntpdig -j 127.0.0.1
check "ntpdig accepts sntpd: exit 0" [ "$RC" -eq 0 ]
# ntpdig is Python, with user-space timestamps: on a loaded machine its own
# scheduling shows in its offset, and in the error it states with it (its
# "+/-", the JSON's "precision": half the round trip plus the server's root distance).
check "ntpdig: offset within the error it states ($(json offset "$out") s, +- $(json precision "$out") s)" \
  near "$(json offset "$out")" 0 "$(json precision "$out")"
check "ntpdig: stratum 10" [ "$(json stratum "$out")" = 10 ]
check "ntpdig: no leap warning" [ "$(json leap "$out")" = no-leap ]
run_capture out ntpdig -j ::1
check "ntpdig over IPv6: exit 0" [ "$RC" -eq 0 ]

run_capture out "$BIN/ntpprobe" -o json 127.0.0.1:123 "[::1]:123"
check "ntpprobe accepts sntpd over IPv4 and IPv6: exit 0" [ "$RC" -eq 0 ]

# sntpd stops on SIGTERM with exit 0 and says so.
kill -TERM "$LAST_PID"
reap "$LAST_PID"
check "sntpd exits 0 on SIGTERM (exit $RC)" [ "$RC" -eq 0 ]
check "sntpd logs its stop" grep -q "received TERM, stopping" "$WORK/sntpd.log"

# Unsynchronized: no --local-stratum, so every reply carries LI=3.
start_sntpd unsync --listen 127.0.0.1:123 --listen "[::1]:123"
wait_for_ntp 127.0.0.1:123
check "unsynchronized sntpd says so at start" grep -q "answering unsynchronized (LI=3)" "$WORK/unsync.log"

out=$(chrony_query 127.0.0.1 123)
check "chronyd -Q refuses an unsynchronized sntpd" [ -z "$(clock_wrong_by "$out")" ]
check "chronyd -Q gave up for want of a usable source" grep -q "Timeout reached" <<<"$out"

run_capture out ntpdig -j 127.0.0.1
check "ntpdig refuses an unsynchronized sntpd: exit $RC" [ "$RC" -ne 0 ]

run_capture out "$BIN/ntpprobe" -o json 127.0.0.1:123
check "ntpprobe: exit 3" [ "$RC" -eq 3 ]
check "ntpprobe: status unsynchronized, leap 3, stratum 0" \
  [ "$(json status "$out") $(json leap "$out") $(json stratum "$out")" = "unsynchronized 3 0" ]

kill -INT "$LAST_PID"
reap "$LAST_PID"
check "sntpd exits 0 on SIGINT (exit $RC)" [ "$RC" -eq 0 ]
# The refusals above were of real replies, not of silence.
replies=$(sed -n 's/.* \([0-9]*\) replies.*/\1/p' "$WORK/unsync.log")
check "the unsynchronized sntpd did reply ($replies replies)" [ "${replies:-0}" -gt 0 ]

finish
