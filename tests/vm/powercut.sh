#!/usr/bin/env bash
# A reboot and pulled plugs (issue 65, parts 2 and 3): the .deb's sntpd in the
# virtual machine, following a server on this machine's loopback, with camsync
# started at each boot (after time-sync.target: it records its run, here "no
# camera", in camera-state.json) and rtcset-systohc.path enabled as the README
# says (it writes the RTC when sntpd records a sync).
#
#   1. A clean power-off (the power button, through QEMU's monitor), then a boot:
#      the drift file sntpd wrote at stop is restored, its sync state parses.
#   2. CUTS times: QEMU killed at a random moment within the 16 s after
#      time-sync.target (sntpd writes its sync state at every update, 16 s apart
#      here), then a boot from what the disk holds.  After each: sntpd starts
#      without a restart, reaches time-sync.target again, its files parse (the
#      sync state as JSON, the drift file's frequency, the day's shape), the
#      drift it saved at the clean stop is restored, and no warning about any of
#      them; camsync's camera state and its activity log (a line a run) parse.
#      The tally is printed, with the temporary files a cut left before a
#      writer's rename (garbage, not a loss: the file itself holds its old
#      version or its new one).
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

# boot_to_sync LABEL: boots the VM's disk (the same disk each time: $WORK/vm/disk.img),
# waits for its report at time-sync.target into $WORK/LABEL.report.
boot_to_sync() {
  local t0=$SECONDS
  vm_boot "$VM_DIR" "$WORK/vm" utc systemd.wants=camsync.service systemd.wants=rtcset-systohc.path
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
}

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
  vm_kill "$WORK/vm"
  echo "      cut $i: the plug pulled ${after} s after time-sync.target"
  if boot_to_sync "cut$i"; then
    before=$FAILED
    check_files "cut$i"
    [ "$FAILED" -eq "$before" ] || lost=$((lost + 1))
    leftover=$(sed -n 's/^leftover: \([0-9]*\) .*/\1/p' "$WORK/cut$i.report" | head -n 1)
  else
    lost=$((lost + 1))
    break
  fi
done
vm_kill "$WORK/vm"
echo "      tally: $cuts power cuts, $((cuts - lost)) booted to a synchronized sntpd with every file good, $lost not;" \
  "$leftover temporary files left over"
if [ "$FAILED" -gt 0 ]; then
  for f in "$WORK"/*.report; do echo "--- $f"; cat "$f"; done
fi
finish
