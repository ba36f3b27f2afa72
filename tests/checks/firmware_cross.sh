#!/usr/bin/env bash
# The ESP firmware's portable core and libsync's codec and proto layers, as the boards build them
# (what firmware/board may include is checked by layering.sh, which needs no cross compiler):
#   1. both compile freestanding (no C++ library headers, exceptions or RTTI)
#      with the host compiler, for the ESP32-C3's RV32IMC (Debian's
#      riscv64-unknown-elf-g++, -march=rv32imc -mabi=ilp32, picolibc's
#      headers) and for the ESP8266's LX106 (xtensa-lx106-elf-g++, compile
#      only: Debian's lx106 libgcc lacks the 32- and 64-bit division and
#      multiplication helpers, which the ESP8266's ROM and its SDK provide);
#   2. every object refers to nothing but our own symbols (our classes'
#      vtables included: no RTTI in them), memcpy / memset /
#      memmove (which the compiler emits for struct copies; picolibc and the
#      ESP SDKs provide them) and libgcc's integer helpers: no operator new or
#      delete, no exception or ABI runtime (__cxa_*, _Unwind_*, the
#      personality routine), no RTTI, no double or float helpers (__adddf3,
#      __muldf3, __divdf3, __floatsidf, __fixdfsi, __extendsfdf2, __addsf3 ...);
#   3. tests/target/selftest.cpp, linked with the RV32 objects against
#      picolibc's libc.a and libgcc, runs under qemu-riscv32 and prints
#      exactly what the host build prints;
#   4. the same self-test links with the LX106 objects against Debian's
#      picolibc-xtensa-lx106-elf and libgcc, the missing helpers stood in by
#      tests/target/start_lx106.c (linked only: no LX106 emulator).
#
#   firmware_cross.sh HOST_CXX --codec SOURCE... --core SOURCE...
# Exits 77 (skipped) when a cross compiler is missing (scripts/install-deps.sh
# --test installs them); qemu-riscv32 missing only skips the run in step 3.
set -euo pipefail
host_cxx=$1
shift
codec=()
core=()
into=codec
for a in "$@"; do
  case "$a" in
    --codec) into=codec ;;
    --core) into=core ;;
    *) if [ "$into" = codec ]; then codec+=("$a"); else core+=("$a"); fi ;;
  esac
done
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
fail() {
  echo "FAIL  $*"
  status=1
}

rv_cxx=riscv64-unknown-elf-g++
lx_cxx=xtensa-lx106-elf-g++
for c in "$rv_cxx" "$lx_cxx"; do
  if ! command -v "$c" >/dev/null; then
    echo "SKIP: $c is not installed (scripts/install-deps.sh --test installs it)"
    exit 77
  fi
done

# 2. What an object may refer to.
classify() {
  case "$1" in
    _ZNK7lansync* | _ZN7lansync* | _ZTVN7lansync*) echo ours ;;  # _ZTV: the vtable of a class of ours
    memcpy | memset | memmove) echo ok ;;
    _Znw* | _Zna* | _ZdlPv* | _ZdaPv*) echo "operator new/delete" ;;
    __cxa_* | __gxx_personality* | _Unwind_* | _ZTI* | _ZTV*) echo "exception, RTTI or ABI runtime" ;;
    *)
      if [[ $1 =~ ^__(ashl|ashr|lshr|mul|div|udiv|mod|umod|neg|clz|ctz|popcount|ffs|bswap|cmp|ucmp)[sd]i[23]$ ]]; then
        echo ok
      elif [[ $1 =~ ^__[a-z]*df[a-z0-9]*$ ]]; then
        echo "double helper"
      elif [[ $1 =~ ^__[a-z]*sf[a-z0-9]*$ ]]; then
        echo "float helper"
      else
        echo "library symbol"
      fi
      ;;
  esac
}

# 1 and 2: build_objects NAME NM STD CXX FLAGS...: compiles every source into $tmp/NAME/.
build_objects() {
  local name=$1 nm=$2 std=$3
  shift 3
  mkdir -p "$tmp/$name"
  local bad=0 src obj sym kind helpers=()
  for src in "${codec[@]}" "${core[@]}"; do
    obj="$tmp/$name/$(basename "$(dirname "$src")")_$(basename "$src").o"
    if ! "$@" -std="$std" -ffreestanding -fno-exceptions -fno-rtti -Wall -Wextra -Wconversion -Werror \
      -I"$root" -I"$root/libsync" -c "$src" -o "$obj"; then
      fail "$name: $src does not compile"
      bad=1
      continue
    fi
    for sym in $("$nm" -u "$obj" | awk '{ print $2 }'); do
      kind=$(classify "$sym")
      case "$kind" in
        ours) ;;
        ok) helpers+=("$sym") ;;
        *)
          fail "$name: $(basename "$src") refers to $sym ($kind)"
          bad=1
          ;;
      esac
    done
  done
  if [ $bad -eq 0 ]; then
    local list="no symbol at all"
    [ ${#helpers[@]} -gt 0 ] && list=$(printf '%s\n' "${helpers[@]}" | sort -u | paste -sd ' ')
    echo "ok    $name: ${#codec[@]} codec + ${#core[@]} core sources compile; they need $list"
  fi
}

# The ESP Arduino cores compile as gnu++17 (ESP8266 3.x) or older gnu++ with
# -std=gnu++17 set in platformio.ini (ESP32 2.x): the LX106 build checks that.
build_objects host-O0 nm c++20 "$host_cxx" -O0 -nostdinc++
build_objects host-O2 nm c++20 "$host_cxx" -O2 -nostdinc++
build_objects rv32imc-Os riscv64-unknown-elf-nm c++20 "$rv_cxx" -march=rv32imc -mabi=ilp32 --specs=picolibc.specs -Os
build_objects rv32imc-O2 riscv64-unknown-elf-nm c++20 "$rv_cxx" -march=rv32imc -mabi=ilp32 --specs=picolibc.specs -O2
build_objects lx106-Os xtensa-lx106-elf-nm gnu++17 "$lx_cxx" -mlongcalls -Os
build_objects lx106-O2 xtensa-lx106-elf-nm gnu++17 "$lx_cxx" -mlongcalls -O2
if [ $status -eq 0 ]; then
  size=$(riscv64-unknown-elf-size -t "$tmp"/rv32imc-Os/*.o | awk 'END { print $1 " bytes of code, " $2 + $3 " of data" }')
  echo "ok    rv32imc-Os footprint (codec + core): $size"
fi

# 3. The self-test on both.
selftest=$root/tests/target/selftest.cpp
"$host_cxx" -std=c++20 -O2 -ffreestanding -fno-exceptions -fno-rtti -nostdinc++ -I"$root" -I"$root/libsync" \
  -c "$selftest" -o "$tmp/selftest_host.o"
cc -c "$root/tests/target/start_host.c" -o "$tmp/start_host.o"
"$host_cxx" "$tmp/selftest_host.o" "$tmp/start_host.o" "$tmp"/host-O2/*.o -o "$tmp/selftest_host"
if "$tmp/selftest_host" >"$tmp/host.out"; then
  echo "ok    selftest on the host: $(grep -c '^ok' "$tmp/host.out") checks pass; $(grep '^digest' "$tmp/host.out")"
else
  fail "selftest on the host:"
  cat "$tmp/host.out"
fi
rv=(-march=rv32imc -mabi=ilp32)
multilib=$(riscv64-unknown-elf-gcc "${rv[@]}" -print-multi-directory)
picolibc=/usr/lib/picolibc/riscv64-unknown-elf/lib/$multilib
"$rv_cxx" "${rv[@]}" -std=c++20 -Os -ffreestanding -fno-exceptions -fno-rtti -I"$root" -I"$root/libsync" \
  -c "$selftest" -o "$tmp/selftest_rv32.o"
riscv64-unknown-elf-gcc "${rv[@]}" -Os -c "$root/tests/target/start_rv32.c" -o "$tmp/start_rv32.o"
if ! riscv64-unknown-elf-gcc "${rv[@]}" -nostdlib -nostartfiles -static -Wl,--no-warn-rwx-segments \
  "$tmp/start_rv32.o" "$tmp/selftest_rv32.o" "$tmp"/rv32imc-Os/*.o -L"$picolibc" -lc -lgcc \
  -o "$tmp/selftest_rv32"; then
  fail "the RV32 self-test does not link against picolibc ($picolibc) and libgcc"
elif ! command -v qemu-riscv32 >/dev/null; then
  echo "ok    the RV32 self-test links against picolibc; not run: qemu-riscv32 is not installed"
elif ! timeout 60 qemu-riscv32 "$tmp/selftest_rv32" >"$tmp/rv32.out"; then
  fail "selftest on RV32 (qemu-riscv32):"
  cat "$tmp/rv32.out"
elif ! diff -u "$tmp/host.out" "$tmp/rv32.out"; then
  fail "the RV32 self-test printed something else than the host's"
else
  echo "ok    selftest on RV32IMC (picolibc, qemu-riscv32): the same $(wc -l <"$tmp/rv32.out") lines as the host"
fi

# 4. The LX106 link: the self-test with the lx106-Os objects against Debian's
# picolibc for lx106 and libgcc, with tests/target/start_lx106.c standing in
# for the ROM's division and multiplication helpers.  Linked, not run (no
# LX106 emulator): it proves no symbol is missing, nothing more.
lx_picolibc=/usr/lib/xtensa-lx106-elf/lib
if [ ! -f "$lx_picolibc/libc.a" ]; then
  echo "ok    the LX106 self-test is not linked: picolibc-xtensa-lx106-elf is not installed"
else
  lx=(-mlongcalls -Os)
  "$lx_cxx" "${lx[@]}" -std=gnu++17 -ffreestanding -fno-exceptions -fno-rtti -I"$root" -I"$root/libsync" \
    -c "$selftest" -o "$tmp/selftest_lx106.o"
  xtensa-lx106-elf-gcc "${lx[@]}" -c "$root/tests/target/start_lx106.c" -o "$tmp/start_lx106.o"
  if ! xtensa-lx106-elf-gcc "${lx[@]}" -nostdlib -nostartfiles -static "$tmp/start_lx106.o" "$tmp/selftest_lx106.o" \
    "$tmp"/lx106-Os/*.o -L"$lx_picolibc" -lc -lgcc -o "$tmp/selftest_lx106"; then
    fail "the LX106 self-test does not link against picolibc ($lx_picolibc) and libgcc"
  elif [ -n "$(xtensa-lx106-elf-nm -u "$tmp/selftest_lx106")" ]; then
    fail "the LX106 self-test has undefined symbols: $(xtensa-lx106-elf-nm -u "$tmp/selftest_lx106" | paste -sd ' ')"
  else
    echo "ok    the LX106 self-test links against picolibc and libgcc, no undefined symbol ($(xtensa-lx106-elf-size "$tmp/selftest_lx106" | awk 'NR == 2 { print $1 }') bytes of code); not run: no LX106 emulator"
  fi
fi
exit $status
