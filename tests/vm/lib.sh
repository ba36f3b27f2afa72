# The VM tier's helpers (sourced): boot the image tests/vm/setup.sh made in
# QEMU, with a kernel clock of its own, read what the guest reports, and
# measure its kernel clock from the host.
#
# The guest (tests/vm/guest) reaches the host's loopback alone, as 10.0.2.2
# through QEMU's user network.  The host forwards a port of its loopback
# (VM_RESPONDER_PORT, or the one vm_boot is given) to the guest's kernel-clock
# responder (port 1123), so that two guests can run side by side.  The guest's daemons
# follow a server on 127.0.0.1:$VM_SERVER_PORT (11231: written into the image).
# QEMU never changes this machine's clock: the guest's clock is its own,
# started from the emulated RTC (-rtc base).
#
# Boots use KVM where a probe shows it boots a kernel (nested KVM here does
# not: ../shared/tools/vm/README.md), else software emulation (TCG).
VM_QEMU=${LANSYNC_VM_QEMU:-qemu-system-x86_64}
VM_SERVER_PORT=11231
VM_RESPONDER_PORT=11232
VM_QEMU_WHY=""
VM_DIR=${LANSYNC_VM_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/vm}  # vm.setup's image
BOOT_S=600  # the longest a boot to time-sync.target may take under software emulation, loaded

# vm_require_image: skips the test by name where QEMU cannot run, fails where vm.setup made no image.
vm_require_image() {
  vm_qemu_runs || { echo "SKIP: $VM_QEMU cannot run here: $VM_QEMU_WHY"; exit "$SKIP"; }
  [ -s "$VM_DIR/disk.img" ] || { echo "FAIL  $VM_DIR has no disk image: run vm.setup first"; exit 1; }
}

# vm_serve_host_clock: the guest's server, on 127.0.0.1:$VM_SERVER_PORT in the test's namespace:
# this machine's clock served at stratum 10 by the build's sntpd, adjusting nothing.
vm_serve_host_clock() {
  start_sntpd server --config /dev/null --listen "127.0.0.1:$VM_SERVER_PORT" --local-stratum 10 \
    --no-clock-control --temperature none --state "$WORK/server.json" --drift-file ""
  wait_for_ntp "127.0.0.1:$VM_SERVER_PORT"
}

# vm_qemu_runs: QEMU is there and starts (VM_QEMU_WHY says why not).
vm_qemu_runs() {
  if ! command -v "$VM_QEMU" >/dev/null 2>&1; then
    VM_QEMU_WHY="not installed (Debian's qemu-system-x86: scripts/install-deps.sh --test)"
    return 1
  fi
  if ! "$VM_QEMU" -version >/dev/null 2>&1; then
    VM_QEMU_WHY="'$VM_QEMU -version' fails"
    return 1
  fi
}

# vm_accel DIR: "kvm" when a kernel boots under KVM within 20 s to its panic for
# want of a root disk, else "tcg".  /dev/kvm alone proves nothing: a nested one
# starts QEMU but never boots the kernel.  Probed once per image (DIR/accel).
vm_accel() {
  local dir=$1 log="$1/kvm-probe.log" accel=tcg
  if [ ! -s "$dir/accel" ]; then
    if [ -w /dev/kvm ]; then
      rm -f "$log"
      timeout 20 "$VM_QEMU" -accel kvm -cpu host -m 256 -display none -no-reboot -serial "file:$log" \
        -kernel "$dir/vmlinuz" -append "console=ttyS0 panic=-1" -net none >/dev/null 2>&1 || true
      grep -q "Unable to mount root" "$log" 2>/dev/null && accel=kvm
    fi
    echo "$accel" >"$dir/accel"
  fi
  cat "$dir/accel"
}

# vm_boot DIR RUN RTC_BASE CMDLINE...: boots a copy of DIR/disk.img (a power cut
# must leave what the guest wrote to it) in the background, its console in
# RUN/console.log, its report port in RUN/report.log, its PID in RUN/qemu.pid,
# the host's port for its responder in RUN/port (VM_PORT if set, else
# VM_RESPONDER_PORT).  RTC_BASE is QEMU's -rtc base (utc, or a date: where the
# guest's clock starts).
vm_boot() {
  local dir=$1 run=$2 rtc=$3 port=${VM_PORT:-$VM_RESPONDER_PORT}
  shift 3
  local accel cpu
  accel=$(vm_accel "$dir")
  cpu=max
  [ "$accel" = kvm ] && cpu=host
  mkdir -p "$run"
  [ -f "$run/disk.img" ] || cp --sparse=always "$dir/disk.img" "$run/disk.img"
  : >"$run/console.log"
  : >"$run/report.log"
  echo "$accel" >"$run/accel"
  echo "$port" >"$run/port"
  "$VM_QEMU" -accel "$accel" -cpu "$cpu" -smp 1 -m 512 -display none -no-reboot \
    -rtc "base=$rtc" \
    -serial "file:$run/console.log" -serial "file:$run/report.log" \
    -kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0 panic=-1 quiet net.ifnames=0 $*" \
    -drive "file=$run/disk.img,format=raw,if=virtio" \
    -netdev "user,id=n0,hostfwd=udp:127.0.0.1:$port-:1123" -device virtio-net-pci,netdev=n0 \
    -monitor "unix:$run/monitor.sock,server,nowait" \
    >"$run/qemu.log" 2>&1 &
  echo $! >"$run/qemu.pid"
}

# vm_kill RUN: pulls the plug (what the guest had not written to its disk is lost).
vm_kill() {
  local pid
  pid=$(cat "$1/qemu.pid" 2>/dev/null) || return 0
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$1/qemu.pid"
}

# vm_poweroff RUN TIMEOUT_S: presses the power button (ACPI, through QEMU's monitor) and
# waits for the guest to shut down as systemd does; fails when it has not within TIMEOUT_S.
vm_poweroff() {
  local run=$1 deadline=$((SECONDS + $2))
  # The monitor's prompt once more after the command: it was taken (closing sooner drops it).
  python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(30)
s.connect(sys.argv[1])
s.sendall(b"system_powerdown\n")
seen = b""
while seen.count(b"(qemu) ") < 2:
    data = s.recv(4096)
    if not data:
        sys.exit(1)
    seen += data' "$run/monitor.sock" || return 1
  while vm_running "$run"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 1
  done
  wait "$(cat "$run/qemu.pid")" 2>/dev/null || true
  rm -f "$run/qemu.pid"
}

# vm_running RUN: QEMU still runs (not ended, nor a zombie: ended in tests/interop/lib.sh).
vm_running() {
  local pid
  pid=$(cat "$1/qemu.pid" 2>/dev/null) || return 1
  ! ended "$pid"
}

# vm_report RUN: the report port's text so far (the guest's tty ends its lines with CR LF).
vm_report() { tr -d '\r' <"$1/report.log" 2>/dev/null; }

# vm_wait_report RUN N TIMEOUT_S: waits until report block N is complete; prints it.
vm_wait_report() {
  local run=$1 n=$2 deadline=$((SECONDS + $3))
  while ! vm_report "$run" | grep "^== end $n\$" >/dev/null; do
    if ! vm_running "$run" || [ "$SECONDS" -ge "$deadline" ]; then return 1; fi
    sleep 1
  done
  vm_report "$run" | sed -n "/^== report $n /,/^== end $n\$/p"
}

# vm_last_report RUN: the newest complete report block.
vm_last_report() {
  local n
  n=$(vm_report "$1" | grep -o '^== end [0-9]*' | tail -n 1 | cut -d' ' -f3)
  [ -n "$n" ] && vm_report "$1" | sed -n "/^== report $n /,/^== end $n\$/p"
}

# vm_measure RUN SECONDS OUT: probes the guest's kernel clock once a second for
# SECONDS (ntpprobe from the host; the guest's responder), one JSON line a probe
# in OUT.  Offsets are the guest's clock minus this machine's.
vm_measure() {
  local run=$1 n=$2 out=$3 i port
  port=$(cat "$run/port")
  : >"$out"
  for ((i = 0; i < n; i++)); do
    "$BIN/ntpprobe" -o json "127.0.0.1:$port" >>"$out" 2>/dev/null || true
    sleep 1
  done
}

# vm_stats FILE...: per file, the median of |offset| and the spread (interquartile
# range of the offsets) in ms, the samples' count, the median half round trip and
# the interquartile range of the half round trips (ms, the probe's own jitter):
# "median_abs iqr count half_rtt half_rtt_iqr" a line.
vm_stats() {
  python3 - "$@" <<'EOF'
import json, statistics, sys
for path in sys.argv[1:]:
    offs, rtts = [], []
    for line in open(path):
        try:
            r = json.loads(line)
            offs.append(float(r["offset_s"]) * 1e3)
            rtts.append(float(r["delay_s"]) * 1e3 / 2)
        except (ValueError, KeyError, TypeError):
            pass
    if len(offs) < 4:
        print("nan nan", len(offs), "nan nan")
        continue
    q = statistics.quantiles(offs, n=4)
    r = statistics.quantiles(rtts, n=4)
    print(f"{statistics.median(abs(o) for o in offs):.4f} {q[2] - q[0]:.4f} {len(offs)} "
          f"{statistics.median(rtts):.4f} {r[2] - r[0]:.4f}")
EOF
}
