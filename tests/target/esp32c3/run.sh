#!/usr/bin/env bash
# The board core bare-metal on an emulated ESP32-C3 (issue 44, part 3): builds the image
# (firmware/board, libsync's codec and proto, and this folder's port: Debian's
# riscv64-unknown-elf-g++ and picolibc, -march=rv32imc), boots it with the C3's ROM in QEMU's
# esp32c3 machine, lets it sync from sntpd on this test's loopback (QEMU's user networking: the
# guest is 10.0.2.15 and the host's loopback its gateway, 10.0.2.2; nothing leaves the machine),
# and checks what a user would:
#   - the ROM boots the image and the board prints its status lines on UART0;
#   - it synchronizes to sntpd, and the offset it measured is within the error it states;
#   - its clock, which it serves on port 123 (forwarded from 127.0.0.1:11124), measured by
#     ntpprobe against sntpd's, three times a poll apart: within the board's stated error;
#   - every status line read on this machine's clock: the board's time is never later than the
#     moment the line arrived by more than its stated error (a line cannot arrive before it was
#     printed, so this side of the comparison needs no allowance for the UART's delay).
#
#   tests/target/esp32c3/run.sh --qemu PATH|--find-qemu [--bios DIR] [--minutes N] [--logs DIR]
#     --qemu       qemu-system-riscv32 with the esp32c3 machine (../shared/tools/esp-qemu/README.md)
#     --find-qemu  the one $LANSYNC_ESP32C3_QEMU names, else ../shared/tools/esp-qemu/bin's beside
#                  the project, where it is there and runs (ctest's check.esp32c3_image, in CI)
#     --bios       the folder holding esp32c3-rom.bin (default: the QEMU source's pc-bios, ../pc-bios
#                  from the binary's build folder)
#     --minutes    how long the board runs after it synchronized (default 2: four ntpprobe checks)
#     --logs       a folder to copy the logs into (UART0 as c3.log, with arrival stamps as stamps.log)
# Without an emulator it builds and packs the image, then skips the run by name (exit 77), saying
# why; ../shared/tools/esp-qemu/SOURCE.md says how the emulator was built (CI cannot fetch it).
qemu="" bios="" minutes=2 logs="" why="no emulator given (--qemu PATH or --find-qemu)"
args=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --qemu) qemu=${2:?--qemu needs a path}; shift 2 ;;
    --find-qemu)
      qemu=${LANSYNC_ESP32C3_QEMU:-$(dirname "$0")/../../../../shared/tools/esp-qemu/bin/qemu-system-riscv32}
      if [ ! -x "$qemu" ]; then
        why="no emulator at $qemu (../shared/tools/esp-qemu/README.md builds one)" qemu=""
      elif ! "$qemu" --version >/dev/null 2>&1; then
        why="$qemu does not run here (its libraries: scripts/install-deps.sh --test)" qemu=""
      elif [ ! -f "$(dirname "$qemu")/../pc-bios/esp32c3-rom.bin" ]; then
        why="no esp32c3-rom.bin in $(dirname "$qemu")/../pc-bios" qemu=""
      fi
      shift ;;
    --bios) bios=${2:?--bios needs a folder}; shift 2 ;;
    --minutes) minutes=${2:?--minutes needs a number}; shift 2 ;;
    --logs) logs=${2:?--logs needs a folder}; shift 2 ;;
    *) echo "run.sh: unknown option '$1' (--qemu PATH, --find-qemu, --bios DIR, --minutes N, --logs DIR)" >&2; exit 2 ;;
  esac
done
command -v riscv64-unknown-elf-g++ >/dev/null ||
  { echo "SKIP esp32c3: riscv64-unknown-elf-g++ is not installed (scripts/install-deps.sh --test)"; exit 77; }
if [ -n "$qemu" ]; then
  [ -x "$qemu" ] || { echo "run.sh: $qemu is not an executable" >&2; exit 2; }
  bios=${bios:-$(dirname "$qemu")/../pc-bios}
  [ -f "$bios/esp32c3-rom.bin" ] || { echo "run.sh: no esp32c3-rom.bin in $bios (--bios DIR)" >&2; exit 2; }
  qemu=$(realpath "$qemu") bios=$(realpath "$bios")
fi
[ -z "$logs" ] || { mkdir -p "$logs" && logs=$(realpath "$logs"); }
set -- "${args[@]}"
source "$(dirname "$0")/../../interop/lib.sh"
enter_private_netns "$@"
here=$REPO/tests/target/esp32c3

# --- The image.
server_port=11123 served_port=11124
rv=(-march=rv32imc -mabi=ilp32)
cxxflags=("${rv[@]}" --specs=picolibc.specs -Os -std=c++20 -ffreestanding -fno-exceptions -fno-rtti
  -fno-threadsafe-statics -ffunction-sections -fdata-sections -Wall -Wextra -Wconversion -Werror
  -I"$REPO" -I"$REPO/libsync" -DC3_SERVER_PORT=$server_port -DC3_MIN_POLL=2 -DC3_MAX_POLL=5)
mkdir -p "$WORK/obj"
built=true
for src in "$REPO"/firmware/board/*.cpp "$REPO"/libsync/codec/*.cpp "$REPO"/libsync/proto/*.cpp "$here"/*.cpp; do
  riscv64-unknown-elf-g++ "${cxxflags[@]}" -c "$src" \
    -o "$WORK/obj/$(basename "$(dirname "$src")")_$(basename "$src" .cpp).o" || built=false
done
riscv64-unknown-elf-gcc -march=rv32imc_zicsr -mabi=ilp32 -c "$here/start.S" -o "$WORK/start.o" || built=false
picolibc=/usr/lib/picolibc/riscv64-unknown-elf/lib/$(riscv64-unknown-elf-gcc "${rv[@]}" -print-multi-directory)
$built && riscv64-unknown-elf-gcc "${rv[@]}" -nostdlib -nostartfiles -static -T "$here/c3.ld" -Wl,--gc-sections \
  -Wl,--no-warn-rwx-segments "$WORK/start.o" "$WORK"/obj/*.o -L"$picolibc" -lc -lgcc -o "$WORK/board.elf" ||
  built=false
check "the image builds (rv32imc, picolibc, no ESP-IDF)" $built
$built || { finish; exit 1; }
echo "      $(riscv64-unknown-elf-size "$WORK/board.elf" | awk 'NR == 2 { print $1 " bytes of code, " $2 " of data, " $3 " of bss" }')"
check "it packs into a boot image for the C3's ROM" python3 "$here/mkimage.py" "$WORK/board.elf" "$WORK/flash.bin"
if [ -z "$qemu" ]; then
  echo "SKIP esp32c3 run: $why"
  finish || exit 1
  exit 77
fi

# --- The server, and the board.
start_sntpd sntpd --listen 127.0.0.1:$server_port --local-stratum 10
wait_for_ntp 127.0.0.1:$server_port
# QEMU's UART0 on its stdout, each line stamped with this machine's clock as it arrives
# (stamps.log); the lines themselves in c3.log, as lansync-board --json prints them.
stamper='import sys, time
with open(sys.argv[1], "w") as stamps:
    for line in sys.stdin:
        stamps.write(f"{time.time_ns()} {line}"); stamps.flush()
        sys.stdout.write(line); sys.stdout.flush()'
export STAMPER=$stamper STAMPS=$WORK/stamps.log
start c3 bash -c '"$@" | python3 -u -c "$STAMPER" "$STAMPS"' qemu "$qemu" -M esp32c3 -L "$bios" \
  -nographic -drive "file=$WORK/flash.bin,if=mtd,format=raw" \
  -global driver=timer.esp32c3.timg,property=wdt_disable,value=true \
  -nic "user,model=open_eth,net=10.0.2.0/24,hostfwd=udp:127.0.0.1:$served_port-:123"
check "the ROM booted the image: the board's first line on UART0" \
  wait_for_log c3 "lansync board core on the ESP32-C3"
# check_offset_claimed DESCRIPTION STATUS_LINE: the offset the board measured at its last burst
# within the error it stated of its clock before that burst (on the status line before the first
# one to show that measurement, grown at 15 ppm until the next line; none where that line was not
# synchronized), plus half the burst's delay.  The line's own error_s is the clock's after the
# burst corrected it, and a step makes it small.
check_offset_claimed() {
  local before err
  before=$(grep '^{' "$WORK/c3.log" | jq -sc --argjson s "$2" '
    (map(.offset_s == $s.offset_s and .delay_s == $s.delay_s) | index(true)) as $i
    | if $i == null or $i == 0 then null else [.[$i - 1], .[$i]] end')
  err=$(jq -r 'if . == null or .[0].synchronized != true then -1
    else .[0].error_s + (.[1].local_s - .[0].local_s) * 15e-6 + .[1].delay_s / 2 end' \
    <<<"$before" 2>/dev/null || echo -1)
  check "$1 ($(jq -r .offset_s <<<"$2") s, +- $err s stated before it)" near "$(jq -r .offset_s <<<"$2")" 0 "$err"
}

# Three bursts: the first one's replies QEMU holds (0.25 s), the second's steps the clock to what
# they show, the third measures what the second left.
status=$(wait_synced c3 12) || true
echo "      status: $status"
check "it synchronized from sntpd (source ntp, server stratum 10)" \
  [ "$(jq -r '.source + " " + (.server_stratum | tostring)' <<<"$status" 2>/dev/null)" = "ntp 10" ]
check_offset_claimed "the offset its third burst measured, within the error it stated" "$status"

# status_after S: waits (at most S + DEADLINE_S s) for a status line S s of the board's counter
# after the last one, and prints it.
status_after() {
  local since line
  since=$(grep '^{' "$WORK/c3.log" | tail -n 1 | jq -r .local_s)
  for _ in $(seq $((($1 + DEADLINE_S) * 10))); do
    line=$(grep '^{' "$WORK/c3.log" | tail -n 1)
    if awk -v a="$(jq -r .local_s <<<"$line")" -v b="$since" -v s="$1" 'BEGIN { exit !(a - b >= s) }'; then
      echo "$line"
      return 0
    fi
    sleep 0.1
  done
  return 1
}
rounds=$((minutes * 2))
for i in $(seq "$rounds"); do
  check_board_vs_server "the C3 - sntpd by ntpprobe, within the board's stated error ($i of $rounds, 30 s apart)" \
    127.0.0.1:$served_port 127.0.0.1:$server_port
  status_after 30 >/dev/null || failed "no status line 30 s of the board's counter later"
done
status=$(grep '^{' "$WORK/c3.log" | tail -n 1)
echo "      status: $status"
check "still synchronized at the end" [ "$(jq -r .synchronized <<<"$status")" = true ]
check_offset_claimed "its last offset, within the error it stated" "$status"
run_capture out "$BIN/ntpprobe" -o json 127.0.0.1:$served_port
check "the C3 serves stratum 11, refid 10.0.2.2 (its server as it sees it)" \
  [ "$(json stratum "$out") $(json refid "$out")" = "11 10.0.2.2" ]

# Every synchronized line against the moment it arrived: board - arrival <= error (the line left
# the board before it arrived here).  Printed: the largest board - arrival, the least error, and
# the median of arrival - board (the UART's and the pipe's delay plus the board's error).
verdict=$(grep ' {' "$WORK/stamps.log" | python3 -c '
import json, sys
from datetime import datetime, timezone
late, worst, margins, n = [], None, [], 0
for raw in sys.stdin:
    stamp, line = raw.split(" ", 1)
    s = json.loads(line)
    if not s["synchronized"]:
        continue
    t, frac = s["time_utc"][:-1].split(".")
    board_ns = int(datetime.strptime(t, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()) * 10**9
    board_ns += int(frac.ljust(9, "0"))
    d = board_ns - int(stamp)
    err = round(s["error_s"] * 1e9)
    n += 1
    late.append(-d)
    margins.append(err - d)
    if d > err:
        worst = f"{d / 1e6:.3f} ms ahead, error {err / 1e6:.3f} ms"
late.sort()
print("bad" if worst or n == 0 else "ok", n, f"{late[len(late) // 2] / 1e6:.3f}" if late else "-",
      f"{min(margins) / 1e6:.3f}" if margins else "-", worst or "")
')
check "every synchronized status line ($(cut -d" " -f2 <<<"$verdict") of them) no later than its arrival by more than its error (median arrival delay $(cut -d" " -f3 <<<"$verdict") ms; least room $(cut -d" " -f4 <<<"$verdict") ms) $(cut -d" " -f5- <<<"$verdict")" \
  [ "${verdict%% *}" = ok ]
[ -z "$logs" ] || cp "$WORK"/*.log "$logs"/
finish
