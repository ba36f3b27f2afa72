#!/usr/bin/env bash
# rtcset, the real binary, where it can run without an RTC: every error is
# one clear line and the documented exit code (rtcset(8)), refusals come
# before the RTC is touched, and trim reads driftlog's CSV.  The DS3231 and
# /dev/rtc paths themselves are tested against an emulator and a fake device
# in tests/unit (test_rtc_ds3231, test_rtc_kernel, test_rtc_sync); this
# machine has neither an RTC nor I2C.  Nothing here can change the clock: the
# user namespace has no CAP_SYS_TIME over it, and no command gets that far.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

R="$BIN/rtcset"

# Usage errors: exit 2.
expect_message 2 "two actions" "choose one of" "$R" --hctosys show
expect_message 2 "--hctosys with --systohc" "--hctosys excludes --systohc" "$R" --hctosys --systohc
expect_message 2 "--aging out of range" "--aging" "$R" --aging 128
expect_message 2 "--aging not a number" "--aging" "$R" --aging x
expect_message 2 "--square-wave, a rate it does not set" "--square-wave: 2hz not in {1hz,off}" "$R" --square-wave 2hz
expect_message 2 "--square-wave without a value" "--square-wave" "$R" --square-wave
expect_message 2 "--square-wave with --aging" "--aging excludes --square-wave" "$R" --aging 3 --square-wave 1hz
expect_message 2 "--square-wave with show" "choose one of" "$R" show --square-wave 1hz
expect_message 2 "--json with --square-wave" "--json goes with show only" "$R" --square-wave off --json
expect_message 2 "--device with --bus" "--device excludes --bus" "$R" --device /dev/rtc0 --bus 1
expect_message 2 "--force without --systohc" "--force requires --systohc" "$R" --force
expect_message 2 "--max-age without --systohc" "--max-age requires --systohc" "$R" --max-age 60
expect_message 2 "--json with --hctosys" "--json goes with show only" "$R" --hctosys --json
expect_message 2 "trim without --from" "--from is required" "$R" trim
expect_message 2 "unknown option" "--bogus" "$R" --bogus
expect_exit 0 "rtcset --help" "$R" --help
check "--help names every form" bash -c "'$R' --help | grep -q -- 'trim --from FILE \[--apply\]'"
check "--help names --square-wave's form" bash -c "'$R' --help | grep -qF -- 'rtcset --square-wave 1hz|off'"
expect_exit 0 "rtcset --version" "$R" --version

# No RTC: exit 1, naming what is missing.
if [ ! -e /dev/rtc0 ] && [ ! -e /dev/i2c-1 ]; then
  expect_message 1 "no RTC at all" "no RTC found: neither /dev/rtc0 nor /dev/i2c-1 exists" "$R"
fi
expect_message 1 "missing device" "cannot open $WORK/rtc9: No such file or directory" "$R" --device "$WORK/rtc9"
expect_message 1 "missing bus" "cannot open /dev/i2c-99: No such file or directory" "$R" --bus 99 show
expect_message 1 "a file that is no RTC" "/dev/null is not an RTC (RTC_RD_TIME)" "$R" --device /dev/null
expect_message 1 "show --json on no RTC" "/dev/null is not an RTC" "$R" show --json --device /dev/null
expect_message 1 "--aging through the kernel" "/dev/null: the kernel's RTC interface does not give the DS3231's" \
  "$R" --aging 3 --device /dev/null
expect_message 1 "--square-wave through the kernel" \
  "/dev/null: the kernel's RTC interface does not give the DS3231's square-wave output; reach the chip over I2C" \
  "$R" --square-wave 1hz --device /dev/null
expect_message 1 "--square-wave on a missing bus" "cannot open /dev/i2c-99" "$R" --square-wave off --bus 99

# --hctosys that cannot read the RTC: exit 1, and no sync-state record.
state="$WORK/state/sync-state.json"
expect_message 1 "--hctosys on no RTC" "is not an RTC" "$R" --hctosys --device /dev/null --state "$state"
check "--hctosys on no RTC: no sync-state record" [ ! -e "$state" ]

# --systohc: the trust rule is applied before the RTC is touched (here
# /dev/null, which fails the first read).  Whether this kernel calls its clock
# synchronized depends on the host: with no sync-state record, rtcset either
# refuses, saying the kernel reports the clock unsynchronized, or (kernel
# synchronized) goes on to the RTC.  Either way the two runs below must agree.
run_capture out "$R" --systohc --device /dev/null --state "$WORK/none.json"
if [ "$RC" -eq 3 ]; then
  echo "      (this kernel reports its clock unsynchronized)"
  check "--systohc, untrusted clock: refused before the RTC" \
    grep -qF "refusing to write the system clock to /dev/null: the kernel reports the clock unsynchronized, and there is no record that the clock was ever set" "$WORK/last.err"
  check "--systohc, untrusted clock: says --force overrides" grep -qF "; --force overrides" "$WORK/last.err"
  # A fresh record from the RTC itself does not count either.
  printf '{"last_sync_unix":%s,"source":"rtc","offset_s":0,%s}\n' "$(date +%s)" "$(boot_fields 0)" >"$WORK/rtc.json"
  expect_message 3 "--systohc after --hctosys" "last set from the RTC itself" \
    "$R" --systohc --device /dev/null --state "$WORK/rtc.json"
  # --force gets past the refusal, with a warning, to the RTC (which fails).
  expect_exit 1 "--systohc --force" "$R" --systohc --force --device /dev/null --state "$WORK/none.json"
  check "--systohc --force: warns" grep -qF "warning: --force: writing a system clock that is not trusted" "$WORK/last.err"
  check "--systohc --force: reached the RTC" grep -qF "/dev/null is not an RTC" "$WORK/last.err"
else
  echo "      (this kernel reports its clock synchronized)"
  check "--systohc, synchronized kernel: exit 1 at the RTC" [ "$RC" -eq 1 ]
  check "--systohc, synchronized kernel: reached the RTC" grep -qF "/dev/null is not an RTC" "$WORK/last.err"
fi
# A phone set the clock a minute ago: trusted whatever the kernel says.
printf '{"last_sync_unix":%s,"source":"phone","offset_s":0.5,%s}\n' "$(($(date +%s) - 60))" "$(boot_fields 60)" \
  >"$WORK/phone.json"
expect_message 1 "--systohc after a phone sync reaches the RTC" "/dev/null is not an RTC" \
  "$R" --systohc --device /dev/null --state "$WORK/phone.json"
# ...but not a phone sync of an earlier boot, however recent its time looks (fake-hwclock).
printf '{"last_sync_unix":%s,"source":"phone","offset_s":0.5,"boot_id":"00000000-0000-4000-8000-000000000000","boot_time_s":9000}\n' \
  "$(($(date +%s) - 60))" >"$WORK/old-boot.json"
run_capture out "$R" --systohc --device /dev/null --state "$WORK/old-boot.json"
if grep -qF "/dev/null is not an RTC" "$WORK/last.err"; then
  echo "      (skipped: this kernel reports its clock synchronized, which the rule rightly trusts)"
else
  check "--systohc after a phone sync of an earlier boot: refused, saying why" \
    grep -qF "the sync-state record (source phone) does not count: from an earlier boot" "$WORK/last.err"
fi

# trim reads driftlog's CSV.  A day at one sample a minute of an RTC 1.234
# ppm fast, with 1 ms of jitter and two failed samples.
csv="$WORK/drift.csv"
awk 'BEGIN {
  srand(7)
  print "time_utc,elapsed_s,source,offset_s,delay_s,status"
  for (i = 0; i < 1440; i++) {
    t = i * 60
    if (i == 100 || i == 900) { printf "2026-03-01T00:00:00Z,%d,rtc:/dev/rtc0,,,error\n", t; continue }
    printf "2026-03-01T00:00:00Z,%d,rtc:/dev/rtc0,%+.9f,,ok\n", t, 0.25 + 1.234e-6 * t + (rand() - 0.5) * 0.002
  }
}' >"$csv"
run_capture out "$R" trim --from "$csv" --device /dev/null
check "trim without an RTC: exit 1" [ "$RC" -eq 1 ]
check "trim: counts the samples" grep -qF "1438 samples over 23 h 59 min (2 failed), source rtc:/dev/rtc0" <<<"$out"
ppm=$(sed -n 's/^the RTC runs \([0-9.]*\) ppm fast.*/\1/p' <<<"$out")
check "trim: finds 1.234 ppm fast (got $ppm)" near "$ppm" 1.234 0.005
check "trim: the change without the chip is +12 steps" grep -qF "change +12 steps" <<<"$out"
check "trim: then says why the RTC cannot help" \
  grep -qF "/dev/null: the kernel's RTC interface does not give the DS3231's temperature, aging offset or OSF" "$WORK/last.err"

# Malformed CSV: exit 2, one line naming the file and the line.
sed '7s/,ok$/,ok,extra/' "$csv" >"$WORK/bad.csv"
expect_message 2 "trim, a row with 7 fields" "bad.csv: line 7: expected 6 fields, found 7" \
  "$R" trim --from "$WORK/bad.csv"
sed '12s/rtc:\/dev\/rtc0,+/rtc:\/dev\/rtc0,x/' "$csv" >"$WORK/bad2.csv"
expect_message 2 "trim, an offset that is no number" "bad2.csv: line 12: offset_s is not a number: 'x" \
  "$R" trim --from "$WORK/bad2.csv"
printf 'time,offset\n' >"$WORK/bad3.csv"
expect_message 2 "trim, not driftlog's header" "bad3.csv: line 1: not a driftlog header" \
  "$R" trim --from "$WORK/bad3.csv"
sed 's/rtc:\/dev\/rtc0/ntp:192.168.4.1/' "$csv" >"$WORK/ntp.csv"
expect_message 2 "trim, a run against NTP" "line 2: source 'ntp:192.168.4.1' is not an RTC" \
  "$R" trim --from "$WORK/ntp.csv"
expect_message 2 "trim, a missing file" "cannot open $WORK/none.csv" "$R" trim --from "$WORK/none.csv"
# Too short to trust: exit 3 before any RTC is needed.
head -31 "$csv" >"$WORK/short.csv"
expect_exit 3 "trim, a 29-minute run" "$R" trim --from "$WORK/short.csv" --device /dev/null
check "trim, a 29-minute run: says why" grep -qF "refusing to trim the aging offset: the run lasted 29 min 00 s" "$WORK/last.err"

finish
