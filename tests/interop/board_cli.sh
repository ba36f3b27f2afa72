#!/usr/bin/env bash
# lansync-board's command line: usage errors exit 2 with one line, runtime
# failures (a port in use, a broken RTC file) exit 1 naming what failed, and
# --duration ends a run with 0.  Nothing here can touch the machine's clock:
# the board's clock is its simulated crystal, and the namespace has no
# CAP_SYS_TIME over the real one anyway.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

L="$BIN/lansync-board"

expect_message 2 "no source of time" "nothing to take the time from" "$L"
expect_message 2 "--min-poll not a power of two" "--min-poll" "$L" --server 127.0.0.1 --min-poll 3
expect_message 2 "--min-poll above --max-poll" "--min-poll is longer than --max-poll" \
  "$L" --server 127.0.0.1 --min-poll 64 --max-poll 16
expect_message 2 "--burst out of range" "--burst" "$L" --server 127.0.0.1 --burst 9
expect_message 2 "a bad port" "bad port" "$L" --server 127.0.0.1:70000
expect_message 2 "an unknown option" "--nope" "$L" --nope
expect_message 2 "a bad --duration" "--duration" "$L" --server 127.0.0.1 --duration 5x

start_sntpd busy --listen 127.0.0.1:11123 --local-stratum 10
wait_for_ntp 127.0.0.1:11123
expect_message 1 "--serve on a port in use" "--serve" "$L" --server 127.0.0.1:11123 --serve 127.0.0.1:11123

echo "not an RTC" >"$WORK/bad.rtc"
expect_message 1 "a broken RTC file" "not a lansync-board RTC state file" "$L" --rtc "$WORK/bad.rtc"

run_capture out "$L" --server 127.0.0.1:11123 --min-poll 1 --duration 3
check "--duration ends the run (exit $RC)" [ "$RC" -eq 0 ]
check "--duration: the board synchronized meanwhile" grep -q "clock set from ntp" "$WORK/last.err"
check "--duration: status lines on stdout" grep -q " ntp  offset " <<<"$out"

"$L" --version >"$WORK/version.out"
check "--version prints the version" grep -qE '^[0-9]+\.[0-9]+\.[0-9]+$' "$WORK/version.out"

finish
