#!/usr/bin/env bash
# A reboot and pulled plugs (issue 65, parts 2 and 3): the .deb's sntpd in the
# virtual machine, following a server on this machine's loopback; at each boot
# camsync (camsync.service and camsync.path, as the README enables them: a run
# at boot and after each sync sntpd records, every 16 s here) keeping the camera
# emulator on this machine's loopback right, rtcset-systohc.path (it writes the
# RTC when sntpd records a sync), rtcset-hctosys (udev starts it: the RTC is
# QEMU's, this machine's clock at each start, as a DS3231 that kept time), and
# driftlog recording against the server, a file a boot, as driftlog(1) says.
#
#   1. A clean power-off (the power button, through QEMU's monitor), then a boot:
#      the drift file sntpd wrote at stop is restored, its sync state parses.
#   2. CUTS times: QEMU killed at a random moment within the 16 s after
#      time-sync.target (sntpd writes its sync state at every update, 16 s apart
#      here, and camsync runs after each), then a boot from what the disk holds.
#      After each: sntpd starts without a restart, reaches time-sync.target
#      again, its files parse (the sync state as JSON, the drift file's
#      frequency, the day's shape), the drift it saved at the clean stop is
#      restored, and no warning about any of them; camsync's camera state and its
#      activity log (a line a run) parse; what a client gets from sntpd (ntpprobe
#      in the guest) agrees with what sntpd says of itself; every driftlog
#      recording is read by driftlog analyze, and the one the cut ended holds at
#      least the rows the guest showed before the cut (driftlog syncs each).
#      The tally is printed, with the temporary files a cut left before a
#      writer's rename (garbage, not a loss: the file itself holds its old
#      version or its new one).  Then the camera: set once, right within 1 s.
#   3. No reference: the server stopped, a last cut, and a boot with the RTC an
#      hour behind (a battery clock that lost time).  rtcset refuses it (it shows
#      a time before the last sync recorded), sntpd says unsynchronized and
#      answers so (leap 3), the kernel says unsynchronized, and camsync leaves
#      the camera (set 5 s off again) alone.
#   With --no-clean-stop, the cuts start from the first boot, never stopped: no
#   drift file exists yet (sntpd saves it hourly and at stop), and none is
#   expected; the other checks are the same.
#
#   powercut.sh [--cuts N] [--seed S] [--no-clean-stop]
#                                   (default 5 cuts; the seed printed: rerun with it)
#
# The moments are random ($RANDOM from the seed); the checks are the same at each.
source "$(dirname "$0")/../interop/lib.sh"
source "$(dirname "$0")/lib.sh"
cuts=5
clean_stop=yes
seed=$(( $(date +%s) % 100000 ))
while [ $# -gt 0 ]; do
  case $1 in
    --cuts) cuts=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --no-clean-stop) clean_stop=no; shift ;;
    *) echo "usage: powercut.sh [--cuts N] [--seed S] [--no-clean-stop]" >&2; exit 2 ;;
  esac
done
vm_require_image
args=(--cuts "$cuts" --seed "$seed")
[ "$clean_stop" = yes ] || args+=(--no-clean-stop)
enter_private_netns "${args[@]}"
trap 'vm_kill "$WORK/vm"; cleanup' EXIT
RANDOM=$seed
echo "      seed $seed ($cuts cuts; rerun: powercut.sh ${args[*]})"

vm_serve_host_clock
server_pid=$LAST_PID
CAMERA_PORT=11233  # the guest's camsync asks 10.0.2.2:11233 (tests/vm/guest: camsync.service.d)
camera_emulator camera "$CAMERA_PORT" --offset -5

# boot_to_sync LABEL [RTC_BASE]: boots the VM's disk (the same disk each time: $WORK/vm/disk.img),
# its RTC at RTC_BASE (default utc: this machine's clock), waits for its report at
# time-sync.target into $WORK/LABEL.report.
boot_to_sync() {
  local t0=$SECONDS
  vm_boot "$VM_DIR" "$WORK/vm" "${2:-utc}" systemd.wants=camsync.service systemd.wants=camsync.path \
    systemd.wants=rtcset-systohc.path systemd.wants=lansync-vm-driftlog.service
  if vm_wait_report "$WORK/vm" 0 "$BOOT_S" >"$WORK/$1.report"; then
    echo "      $1: time-sync.target $((SECONDS - t0)) s after QEMU started (the guest's uptime $(head -n 1 "$WORK/$1.report" | cut -d' ' -f5) s)"
    return 0
  fi
  failed "$1: the guest reached time-sync.target and reported within $BOOT_S s"
  tail -n 30 "$WORK/vm/console.log"
  vm_kill "$WORK/vm"
  return 1
}

# check_files LABEL: the report's file lines and sntpd's journal, after a boot.
check_files() {
  local r=$WORK/$1.report drift
  check "$1: sntpd active, not restarted ($(sed -n 's/^restarts: //p' "$r") restarts)" \
    grep -qx "restarts: 0" "$r"
  check "$1: the sync state parses" grep -qx "file: /var/lib/lansync/sync-state.json parses" "$r"
  drift=$(sed -n 's|^file: /var/lib/lansync/drift [0-9]* lines, first: ||p' "$r")
  if [ "$clean_stop" = yes ]; then
    check "$1: the drift file holds a frequency ($drift)" awk -v d="$drift" 'BEGIN { exit !(d ~ /^[-+]?[0-9.]+/) }'
    check "$1: the drift restored at start" \
      grep -q "^journal: .*clock frequency .* ppm, restored from /var/lib/lansync/drift" "$r"
  else
    check "$1: no drift file yet, as none was saved (never stopped)" \
      grep -qx "file: /var/lib/lansync/drift absent" "$r"
  fi
  check "$1: camsync's camera state parses" grep -qx "file: /var/lib/lansync/camera-state.json parses" "$r"
  check "$1: camsync's activity log parses, a JSON value a line ($(sed -n 's|^log: /var/log/lansync/camsync.jsonl ||p' "$r"))" \
    grep -q "^log: /var/log/lansync/camsync.jsonl parses" "$r"
  check "$1: no warning about sntpd's files ($(grep -ciE '^journal: .*(warning|cannot|bad|ignor)' "$r"))" \
    bash -c '! grep -qiE "^journal: .*(warning|cannot|bad|ignor)" "$1"' _ "$r"
  check "$1: a client gets what sntpd says ($(sed -n 's/^sntpd: {"synchronized":\([a-z]*\).*/synchronized \1/p' "$r"), ntpprobe $(sed -n 's/^probe: \(exit [0-9]*\).*/\1/p' "$r"))" \
    served_as_said "$r"
  check "$1: driftlog analyze reads every recording ($(grep -c '^driftlog: ' "$r") files, $(grep -c '^driftlog: .* analyze [05] ' "$r") read)" \
    bash -c '[ "$(grep -c "^driftlog: " "$1")" -gt 0 ] && ! grep "^driftlog: " "$1" | grep -qv " analyze [05] "' _ "$r"
}

# served_as_said REPORT: synchronized, and ntpprobe measured it (exit 0); or not, and ntpprobe was
# told unsynchronized (exit 3, leap indicator 3).
served_as_said() {
  if grep -q '^sntpd: {"synchronized":true' "$1"; then
    grep -q '^probe: exit 0 ' "$1"
  else
    grep -q '^probe: exit 3 .*"leap":3' "$1"
  fi
}

# drift_rows REPORT BOOT_ID: the complete rows of that boot's driftlog recording, as the report saw them.
drift_rows() { sed -n "s/^driftlog: drift-$2 rows \([0-9]*\) .*/\1/p" "$1" | head -n 1; }

boot_to_sync first || { finish; exit 1; }
check "first boot: synchronized at time-sync.target" grep -q '^sntpd: {"synchronized":true' "$WORK/first.report"
# The next report (10 s on): camsync, started after time-sync.target, has recorded its run.
vm_wait_report "$WORK/vm" 1 "$BOOT_S" >/dev/null || true
if [ "$clean_stop" = yes ]; then
  check "first boot: a clean power-off (the power button)" vm_poweroff "$WORK/vm" 120
  boot_to_sync rebooted || { finish; exit 1; }
  check_files rebooted
fi

lost=0
leftover=0  # on the disk at the last boot
for ((i = 1; i <= cuts; i++)); do
  after=$((RANDOM % 16))
  # Within the 16 s after time-sync.target: sntpd updates and writes its state every 16 s.
  for ((t = 0; t < after; t++)); do sleep 1; done
  vm_last_report "$WORK/vm" >"$WORK/before$i.report" || true
  vm_kill "$WORK/vm"
  boot=$(sed -n 's/^boot: //p' "$WORK/before$i.report")
  rows=$(drift_rows "$WORK/before$i.report" "$boot")
  echo "      cut $i: the plug pulled ${after} s after time-sync.target (driftlog had shown ${rows:-no} rows)"
  if boot_to_sync "cut$i"; then
    before=$FAILED
    check_files "cut$i"
    kept=$(drift_rows "$WORK/cut$i.report" "$boot")
    check "cut$i: the recording the cut ended keeps the ${rows:-?} rows shown before it (${kept:-none} now)" \
      [ -n "$rows" ] && [ -n "$kept" ] && [ "$kept" -ge "$rows" ]
    [ "$FAILED" -eq "$before" ] || lost=$((lost + 1))
    leftover=$(sed -n 's/^leftover: \([0-9]*\) .*/\1/p' "$WORK/cut$i.report" | head -n 1)
  else
    lost=$((lost + 1))
    break
  fi
done
echo "      tally: $cuts power cuts, $((cuts - lost)) booted to a synchronized sntpd with every file good, $lost not;" \
  "$leftover temporary files left over"
camera=$(emulator_status "$CAMERA_PORT")
check "the camera, 5 s off at first, set by camsync and right within its 1 s ($(json puts "$camera") sets, $(json offset_s "$camera") s off)" \
  bash -c '[ "$(jq -r .puts <<<"$1")" -ge 1 ] && awk -v o="$(jq -r .offset_s <<<"$1")" "BEGIN { exit !(o > -1 && o < 1) }"' _ "$camera"

# 3. No reference: the server stopped, the plug pulled, the RTC an hour behind at the next boot.
kill "$server_pid" 2>/dev/null || true
curl -s -X POST -d '{"offset_s":-5}' "http://127.0.0.1:$CAMERA_PORT/emulator/state" >/dev/null
puts=$(json puts "$(emulator_status "$CAMERA_PORT")")
vm_kill "$WORK/vm"
echo "      alone: the server stopped, the plug pulled, the RTC an hour behind"
if boot_to_sync alone "$(date -u -d "-3600 sec" +%Y-%m-%dT%H:%M:%S)"; then
  # Two reports on (20 s): rtcset-hctosys and camsync have run and logged.
  vm_wait_report "$WORK/vm" 2 "$BOOT_S" >"$WORK/alone.report" || true
  r=$WORK/alone.report
  check_files alone
  behind=$(( $(date +%s) - $(sed -n 's/^rtc: [0-9]* clock: \([0-9]*\)$/\1/p' "$r" | head -n 1) ))
  check "alone: the guest's clock is the RTC's, an hour behind ($behind s)" near "$behind" 3600 120
  check "alone: rtcset refused the RTC, behind the last sync recorded ($(grep -o 'the RTC shows .*lost time' "$r" | head -n 1))" \
    grep -q '^rtcset: .*before the last sync the sync-state file records.*it lost time' "$r"
  check "alone: sntpd says unsynchronized" grep -q '^sntpd: {"synchronized":false' "$r"
  check "alone: a client is told unsynchronized ($(sed -n 's/^probe: \(exit [0-9]*\).*/ntpprobe \1/p' "$r"), leap 3)" \
    grep -q '^probe: exit 3 .*"leap":3' "$r"
  check "alone: the kernel says unsynchronized (timedatectl)" grep -qx "NTPSynchronized=no" "$r"
  check "alone: sntpd not restarted" grep -qx "restarts: 0" "$r"
  camera=$(emulator_status "$CAMERA_PORT")
  check "alone: camsync left the camera alone ($(json puts "$camera") sets, was $puts; $(json offset_s "$camera") s off)" \
    bash -c '[ "$(jq -r .puts <<<"$1")" = "$2" ] && awk -v o="$(jq -r .offset_s <<<"$1")" "BEGIN { exit !(o > -5.5 && o < -4.5) }"' _ "$camera" "$puts"
  grep -E '^(rtcset|camsync): ' "$r" | sed 's/^/      /' || true
fi
vm_kill "$WORK/vm"
if [ "$FAILED" -gt 0 ]; then
  for f in "$WORK"/*.report; do echo "--- $f"; cat "$f"; done
fi
finish
