#!/usr/bin/env bash
# lansync-board --wall: the WallClock example's LED matrix, drawn by the real board from its
# clock and read back as someone looking at the wall reads it (tests/support/wall_frame.py):
# a new DS3231 (OSF set) and no server give "--:--" with the untrusted mark; synced from sntpd
# the local time (--wall-utc-offset) with a blinking colon and no mark; after a power cut the
# DS3231 alone gives the time with the RTC mark, and with the untrusted mark too once the
# board no longer knows when the chip was set (a bound of 1 s); a dark room (--wall-light 0)
# dims it in the PNG picture.  The board's clock is its simulated crystal; nothing here can
# set the machine's.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

L=$BIN/lansync-board
RTC=$WORK/rtc.state
READ=(python3 "$REPO/tests/support/wall_frame.py")
OFFSET_S=19800  # +05:30

# hhmm: this machine's time plus OFFSET_S, as the wall shows it.
hhmm() { date -u -d "@$(($(date +%s) + OFFSET_S))" +%H:%M; }

# board_wall FILE ARGS...: runs the board with --wall FILE and ARGS; sets SEEN to what the wall
# shows at the end and BEFORE/AFTER to the local time around the run (a minute may turn).
board_wall() {
  local file=$1
  shift
  BEFORE=$(hhmm)
  run_capture out "$L" --wall "$file" --wall-utc-offset "$OFFSET_S" "$@"
  AFTER=$(hhmm)
  SEEN=$("${READ[@]}" "$file")
  echo "      wall: $SEEN"
}
shows_time() { [[ $SEEN == *"time=$BEFORE "* || $SEEN == *"time=$AFTER "* ]]; }
has() { [[ $SEEN == *"$1"* ]]; }

# 1. A new chip, no server: no time at all.
board_wall "$WORK/wall.txt" --rtc "$RTC" --duration 2
check "new RTC: the run ends (exit $RC)" [ "$RC" -eq 0 ]
check "new RTC: dashes, never digits" has "time=--:-- "
check "new RTC: the untrusted mark" has "underline=yes rtc=no"
check "new RTC: the state line says no time" has "state no time, intensity 15/15"

# 2. Synced from sntpd: the local time, no mark; the clock sets the RTC.
start_sntpd sntpd --listen 127.0.0.1:11123 --local-stratum 10
wait_for_ntp 127.0.0.1:11123
board_wall "$WORK/wall.txt" --server 127.0.0.1:11123 --min-poll 1 --rtc "$RTC" --duration 4
check "synced: clock set from ntp" grep -q "clock set from ntp" "$WORK/last.err"
check "synced: the local time ($BEFORE or $AFTER, UTC+05:30)" shows_time
check "synced: trusted, no mark" has "underline=no rtc=no state trusted"
check "synced: the RTC was set" grep -q "RTC set to" "$WORK/last.err"

# 3. A power cut, no network: the DS3231 keeps the clock on the wall.
board_wall "$WORK/wall.txt" --rtc "$RTC" --duration 3
check "power cut: clock set from rtc" grep -q "clock set from rtc" "$WORK/last.err"
check "power cut: the local time ($BEFORE or $AFTER)" shows_time
check "power cut: trusted (set seconds ago), with the RTC mark" has "underline=no rtc=yes state trusted"

# 4. The same chip, but the board forgot when it was set: a bound of 1 s, untrusted.
sed -i 's/^set_unix_s .*/set_unix_s 0/; s/^set_error_ns .*/set_error_ns 0/' "$RTC"
board_wall "$WORK/wall.txt" --rtc "$RTC" --duration 3
check "RTC of unknown age: the local time ($BEFORE or $AFTER)" shows_time
check "RTC of unknown age: the colon stopped, the untrusted and RTC marks" \
  has "colon=lit underline=yes rtc=yes state untrusted"

# 5. A dark room, drawn as a picture: the same face, dimmed.
board_wall "$WORK/wall.png" --rtc "$RTC" --duration 3 --wall-light 0
check "PNG: a picture ($(head -c 8 "$WORK/wall.png" | od -An -c | tr -s ' '))" \
  [ "$(head -c 4 "$WORK/wall.png" | tail -c 3)" = PNG ]
check "PNG: the local time ($BEFORE or $AFTER)" shows_time
check "PNG: the marks" has "underline=yes rtc=yes"
check "PNG: dimmed to intensity 0 (red 95 of 255)" has "red=95"
board_wall "$WORK/bright.png" --rtc "$RTC" --duration 3
check "PNG: full light, intensity 15 (red 255)" has "red=255"

expect_message 2 "--wall-light needs --wall" "--wall" "$L" --rtc "$RTC" --wall-light 3
finish
