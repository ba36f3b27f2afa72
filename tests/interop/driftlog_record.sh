#!/usr/bin/env bash
# driftlog record with the cmd: source and the command line around it: rows
# flushed as measured, failed measurements as rows with a status, the
# schedule kept when measurements are slow, SIGTERM and SIGINT ending a run
# with exit 0 and every row whole, the live status only on a terminal, the
# sources this build does not have, and analyze's errors naming the line.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
D="$BIN/driftlog"
# one_line_saying TEXT: the last command's stderr is one line holding TEXT.
one_line_saying() { [ "$(wc -l <"$WORK/last.err")" -eq 1 ] && grep -qF -- "$1" "$WORK/last.err"; }
# rows_are N FILE-TEXT: N rows after the header.
rows_are() { [ "$(tail -n +2 <<<"$2" | wc -l)" -eq "$1" ]; }
HEADER="time_utc,elapsed_s,source,offset_s,delay_s,status"

run_capture csv "$D" --source "cmd:echo 0.00125 0.0004" -i 0.1 -t 5 -n 5
check "cmd: exit 0" [ "$RC" -eq 0 ]
check "cmd: nothing on stderr" [ ! -s "$WORK/last.err" ]
check "cmd: the header" [ "$(head -n 1 <<<"$csv")" = "$HEADER" ]
check "cmd: 5 rows" rows_are 5 "$csv"
check "cmd: offset and delay as printed" \
  [ "$(awk -F, 'NR == 2 { print $4, $5, $6 }' <<<"$csv")" = "0.001250000 0.000400000 ok" ]
check "cmd: time_utc is ISO 8601 UTC" grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z,' <<<"$(sed -n 2p <<<"$csv")"

# (-t 5 wherever the timeout is not the subject: the default, the interval,
# is shorter than a fork on a loaded CI machine.  And -i 0.5 wherever the rows'
# statuses are: a measurement that ends two intervals after its slot adds a
# "missed" row, and a loaded machine can take 100 ms to start sh.)
# A source that fails every third time: the failures are rows, the run goes on.
cat >"$WORK/flaky.sh" <<'SH'
n=$(cat "$1" 2>/dev/null || echo 0); echo $((n + 1)) >"$1"
case $((n % 3)) in 1) echo "cannot reach the camera" >&2; exit 1 ;; 2) echo unsynchronized ;; *) echo -0.5 ;; esac
SH
run_capture csv "$D" --source "cmd:sh $WORK/flaky.sh $WORK/count" -i 0.5 -t 5 -n 6
check "failures: exit 0" [ "$RC" -eq 0 ]
check "failures: 6 rows" rows_are 6 "$csv"
check "failures: status words in order" \
  [ "$(tail -n +2 <<<"$csv" | cut -d, -f6 | tr '\n' ' ')" = "ok error unsynchronized ok error unsynchronized " ]
check "failures: empty offset on failed rows" \
  [ "$(tail -n +2 <<<"$csv" | awk -F, '$6 != "ok" && $4 != ""' | wc -l)" -eq 0 ]
check "failures: the command's stderr is not ours" [ ! -s "$WORK/last.err" ]

run_capture csv "$D" --source "cmd:echo 1, 2" -i 0.05 -t 5 -n 1
check "cmd: output that is not a number is an error row" [ "$(sed -n 2p <<<"$csv" | cut -d, -f7)" = error ]
check "cmd: a source with a comma is quoted" [ "$(sed -n 2p <<<"$csv" | cut -d, -f3)" = '"cmd:echo 1' ]

# Slow measurements (0.75 s or more each, at 1 s intervals) keep the schedule:
# each command prints how long it took, and a loop that slept a whole interval
# after each would start the 5th no sooner than the first four took plus four
# intervals; on schedule it starts sooner than that (unless starting a command
# took over 1 s), and not before 4 s.
run_capture csv timeout 60 "$D" --source 'cmd:s=$(date +%s.%N); sleep 0.75; echo "$(date +%s.%N) $s" | awk "{ print \$1 - \$2 }"' \
  -i 1 -t 5 -n 5
last=$(tail -n 1 <<<"$csv" | cut -d, -f2)
worst=$(tail -n +2 <<<"$csv" | head -n 4 | awk -F, '{ s += $4 + 1 } END { printf "%.3f", s }')
check "schedule: 5 rows" rows_are 5 "$csv"
check "schedule: the 5th measurement at 4 s or after, before a loop that slept after each ($last s < $worst s)" \
  awk -v l="$last" -v w="$worst" 'BEGIN { exit !(l != "" && l >= 3.99 && l < w) }'
# A measurement that overruns gets killed at the timeout and reported.
run_capture csv timeout 30 "$D" --source "cmd:sleep 30" -i 0.5 -t 0.1 -n 3
check "timeout: 3 rows with status timeout" [ "$(tail -n +2 <<<"$csv" | cut -d, -f6 | sort -u)" = timeout ]

# --duration: slots at 0, 0.25, ..., 0.75 s.
run_capture csv timeout 30 "$D" --source "cmd:echo 0" -i 0.25 -t 5 -d 1s
check "--duration 1s at 0.25 s: 4 rows" rows_are 4 "$csv"

# Stopped by a signal: exit 0, every row whole.  (env --default-signal: a
# background job of a script starts with SIGINT ignored, so each signal waits
# for rows in a file of its own: the last run's rows in a shared one could send
# SIGINT before env runs, to be lost.)
for sig in TERM INT; do
  out=$WORK/sig-$sig.csv
  env --default-signal=INT "$D" --source "cmd:echo 0.25" -i 0.1 -t 5 >"$out" 2>"$WORK/sig.err" &
  pid=$!
  wait_until "$DEADLINE_S" eval '[ "$(wc -l 2>/dev/null <"$out" || echo 0)" -ge 4 ]'
  kill -"$sig" "$pid"
  reap "$pid"
  check "SIG$sig: exit 0 (exit $RC)" [ "$RC" -eq 0 ]
  check "SIG$sig: at least 3 rows, every one whole" \
    awk -F, 'NR > 1 { n++; if (NF != 6 || ($6 != "ok" && $6 != "missed")) bad++ } END { exit !(n >= 3 && !bad) }' "$out"
  check "SIG$sig: the file ends with a newline" [ "$(tail -c 1 "$out" | od -An -c | tr -d ' ')" = '\n' ]
  check "SIG$sig: nothing on stderr" [ ! -s "$WORK/sig.err" ]
done
# A signal during a slow command ends the run at once, without a half row.
env --default-signal=INT "$D" --source "cmd:sleep 20" -i 30 -t 25 >"$WORK/slow.csv" 2>&1 &
pid=$!
# Its header written: driftlog is running (its signals handled) and measuring, or about to.
wait_until "$DEADLINE_S" grep -qxF "$HEADER" "$WORK/slow.csv"
kill -TERM "$pid"
reap "$pid"
check "SIGTERM during a measurement: exit 0 (exit $RC)" [ "$RC" -eq 0 ]
check "SIGTERM during a measurement: the header only" [ "$(cat "$WORK/slow.csv")" = "$HEADER" ]

# On a terminal, a live status line on stderr (script(1) provides the terminal).
script -qec "'$D' --source 'cmd:echo 0.002' -i 0.5 -t 5 -n 4 >'$WORK/tty.csv'" "$WORK/tty.log" >/dev/null
check "terminal: the live status counts the samples" grep -q "driftlog: 4 samples (0 failed)  last +0.002000 s" "$WORK/tty.log"
check "terminal: ... and shows a drift estimate" grep -qE "drift [+-]0.000 ± 0.000 ppm" "$WORK/tty.log"
check "terminal: the CSV still on stdout" [ "$(wc -l <"$WORK/tty.csv")" -eq 5 ]

# A reference that gains 200 ppm on our clock, computed by a command from the clock itself.
# Each reading's reference time is kept in reads, for the test's own uncertainty below.
: >"$WORK/reads"
start=$(date +%s.%N)
run_capture csv "$D" --source "cmd:date +%s.%N | tee -a '$WORK/reads' | awk '{ printf \"%.9f\\n\", -2 + (\$1 - $start) * 2e-4 }'" -i 0.05 -t 5 -n 60
echo "$csv" >"$WORK/gain.csv"
run_capture report "$D" analyze --json "$WORK/gain.csv"
# The test's own uncertainty: driftlog dates a command's reading at the middle
# of its run, where date read the reference near its start.  On a loaded
# machine that lag changes over the run, and tilts the fit by 200 ppm times
# the lag's own slope against time: measured here, row by row (left at 0,
# the check as strict as without it, if the rows and the reads do not pair up).
lag_ppm=0
if [ "$(grep -c ',ok$' "$WORK/gain.csv")" -eq "$(wc -l <"$WORK/reads")" ]; then
  lag_ppm=$(grep ',ok$' "$WORK/gain.csv" | cut -d, -f1,2 | while IFS=, read -r utc elapsed; do
    echo "$(date -d "$utc" +%s.%N),$elapsed"
  done | paste -d, - "$WORK/reads" | awk -F, '{ x = $2; y = $1 - $3; n++; sx += x; sy += y; sxx += x * x; sxy += x * y }
    END { s = (n * sxy - sx * sy) / (n * sxx - sx * sx); printf "%.6f", (s < 0 ? -s : s) * 200 }')
fi
check "cmd end to end: drift -200 ppm ($(json drift_ppm "$report") +- $(json drift_uncertainty_ppm "$report") ppm, the reading times' own $lag_ppm ppm)" \
  drift_within "$report" -200 "$lag_ppm"

# camera: a camera emulator 5 s ahead that gains 5000 ppm: the rows carry
# camera - local to a few milliseconds, and analyze finds the local clock slow
# by about that much, within the uncertainty it states and the rows' own
# intervals allow (each offset within half its delay column).  The drift is
# large (70 ms in all), well above a loaded machine's few ms of noise per sample.
started=$(date +%s.%N)
camera_emulator cam 18080 --offset 5 --ppm 5000
run_capture csv "$D" --source camera:http://127.0.0.1:18080 -i 2 -n 8
echo "$csv" >"$WORK/camera.csv"
cp "$WORK/camera.csv" "$WORK/camera-csv.log"  # shown if a check fails
check "camera: 8 rows" [ "$(tail -n +2 <<<"$csv" | wc -l)" -eq 8 ]
# The first row with a measurement: on a loaded machine a reading may time out,
# and driftlog records it as a row without an offset.
measured=$(awk -F, 'NR > 1 && $4 != "" { print; exit }' <<<"$csv")
first_offset=$(cut -d, -f4 <<<"$measured")
# +5 s when the emulator started, 5 ms more each second since, measured within
# half that row's round trip.
err=$(awk -F, -v s="$started" -v now="$(date +%s.%N)" '{ printf "%.9f", $5 / 2 + (now - s) * 5e-3 }' <<<"$measured")
check "camera: offset +5 s, 5 ms a second gained since it started ($first_offset s, +- $err s)" \
  near "$first_offset" 5 "$err"
run_capture report "$D" analyze --json "$WORK/camera.csv"
intervals=$(interval_ppm "$WORK/camera.csv")
check "camera: drift -5000 ppm ($(json drift_ppm "$report") +- $(json drift_uncertainty_ppm "$report") ppm, the rows' intervals' $intervals ppm)" \
  drift_within "$report" -5000 "$intervals"
expect_exit 2 "--source camera: with a bad URL" "$D" --source camera:ftp://x -n 1
check "--source camera: says what is wrong" one_line_saying "camera:ftp://x"
# The RTC sources are built; this machine has no RTC and no I2C bus, so they
# must say which device is missing (the readings themselves are rtcset's,
# tested against the emulated DS3231).
expect_exit 2 "--source rtc: without the device" "$D" --source rtc:/dev/rtc9 -n 1
check "--source rtc: names the device" one_line_saying "cannot open /dev/rtc9"
expect_exit 2 "--source ds3231: without the bus" "$D" --source ds3231:/dev/i2c-9 -n 1
check "--source ds3231: names the bus" one_line_saying "/dev/i2c-9"
expect_exit 2 "--source ds3231: with a bad bus" "$D" --source ds3231:bus-one -n 1
check "--source ds3231: says what it expects" one_line_saying "expected an I2C bus such as /dev/i2c-1"

# Usage errors: one line, exit 2.
expect_usage() {
  local desc=$1 want=$2
  shift 2
  expect_exit 2 "$desc" "$@"
  check "$desc: one line on stderr saying '$want'" one_line_saying "$want"
}
expect_usage "no --source" "--source is required" "$D" -n 1
expect_usage "unknown scheme" "unknown source 'gps'" "$D" --source gps:/dev/ttyS0
expect_usage "no scheme" "expected SCHEME:ARGUMENT" "$D" --source laptop
expect_usage "ntp: without a host" "expected ntp:HOST[:PORT]" "$D" --source ntp:
expect_usage "ntp: a name that does not resolve" "cannot resolve" "$D" --source ntp:nonexistent.invalid
expect_usage "--duration 12x" "unknown unit" "$D" --source "cmd:echo 0" -d 12x
expect_usage "--interval 0" "--interval" "$D" --source "cmd:echo 0" -i 0
expect_usage "--count 0" "--count" "$D" --source "cmd:echo 0" -n 0
expect_usage "a record option before analyze" "are for record" "$D" -i 5 analyze "$WORK/gain.csv"
expect_usage "a record option after analyze" "-i" "$D" analyze -i 5 "$WORK/gain.csv"
expect_usage "analyze --tolerance 0" "--tolerance" "$D" analyze --tolerance 0 "$WORK/gain.csv"
expect_exit 0 "driftlog --help" "$D" --help
expect_exit 0 "driftlog analyze --help" "$D" analyze --help

# analyze's errors name the file and the line.
printf '%s\n%s\n%s\n' "$HEADER" "2026-01-01T00:00:00.000000Z,0,ntp:x,0.1,,ok" \
  "2026-01-01T00:00:01.000000Z,1,ntp:x,zero,,ok" >"$WORK/bad.csv"
expect_exit 4 "analyze: malformed CSV" "$D" analyze "$WORK/bad.csv"
check "analyze: names the file and line 3" grep -q "bad.csv:3: offset_s is not a number: 'zero'" "$WORK/last.err"
expect_exit 4 "plot: malformed CSV" "$D" plot "$WORK/bad.csv"
head -n 3 "$WORK/gain.csv" >"$WORK/short.csv"
expect_exit 5 "analyze: two samples are too few" "$D" analyze "$WORK/short.csv"
check "analyze: says why" grep -q "too few good samples" "$WORK/last.err"
# A recording stopped mid-row (a power cut): the torn last row is left out with a warning, the
# rest analysed as before; a bad row with its newline is still an error.
head -c -9 "$WORK/gain.csv" >"$WORK/torn.csv"
run_capture torn "$D" analyze --json "$WORK/torn.csv"
check "analyze: a last row cut off (a power cut during the recording): exit $RC, 0" [ "$RC" -eq 0 ]
check "analyze: says the last row was left out" grep -q "torn.csv:61: the last row is cut off" "$WORK/last.err"
check "analyze: the rest analysed ($(json samples "$torn") samples of 60)" [ "$(json samples "$torn")" = 59 ]
{ cat "$WORK/bad.csv"; printf '2026-01-01T00:00:02.0'; } >"$WORK/bad-torn.csv"
expect_exit 4 "analyze: a bad row before a cut-off one is still an error" "$D" analyze "$WORK/bad-torn.csv"
expect_exit 1 "analyze: a file that is not there" "$D" analyze "$WORK/missing.csv"
check "analyze: names it" grep -q "cannot open $WORK/missing.csv" "$WORK/last.err"

finish
