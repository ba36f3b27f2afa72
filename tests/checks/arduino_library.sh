#!/usr/bin/env bash
# The Arduino / PlatformIO library as scripts/arduino-library.sh assembles it
# is complete and compiles from its own files alone:
#   1. library.properties (architectures=esp32,esp8266) and library.json are
#      there with the version of CMakeLists.txt, and at least two examples;
#   2. every #include "..." under src/ and in the examples names a file of
#      the library (or an Arduino core header), and every source of
#      firmware/board is in src/firmware/board;
#   3. the public header lansync.h compiles alone with the host compiler,
#      freestanding (no C++ library headers, exceptions or RTTI), as C++17,
#      C++20 and gnu++2b (Arduino-ESP32 3.x's default); as gnu++11
#      (Arduino-ESP32 2.x's default) it stops the compilation at its own
#      #error naming the fix, with no other error;
#   4. every .cpp under src/ compiles with -I src only, freestanding, as
#      gnu++17 and gnu++2b, and the objects link with
#      tests/target/selftest.cpp into a program that runs and passes:
#      nothing the core needs is missing from the library.
# What it cannot check here: the Arduino glue (lansync_port.h) and the
# examples against the real Arduino cores (../shared/tools/esp-cores/check.sh
# does, outside the test suite: README.md, "The boards").
#
#   arduino_library.sh HOST_CXX
set -euo pipefail
host_cxx=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
fail() {
  echo "FAIL  $*"
  status=1
}

bash "$root/scripts/arduino-library.sh" "$tmp" >/dev/null
lib=$tmp/lansync
src=$lib/src

# 1. The metadata.
version=$(sed -n 's/^project(lansync VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
grep -qx "version=$version" "$lib/library.properties" || fail "library.properties: not version=$version"
grep -qx "architectures=esp32,esp8266" "$lib/library.properties" || fail "library.properties: architectures"
grep -qx "includes=lansync.h" "$lib/library.properties" || fail "library.properties: includes"
if command -v jq >/dev/null; then
  [ "$(jq -r .version "$lib/library.json")" = "$version" ] || fail "library.json: not version $version"
  [ "$(jq -r '.headers[0]' "$lib/library.json")" = lansync.h ] || fail "library.json: headers"
fi
examples=$(find "$lib/examples" -name '*.ino' | wc -l)
[ "$examples" -ge 2 ] || fail "fewer than two examples"
for ino in "$lib"/examples/*/*.ino; do
  [ "$(basename "$ino" .ino)" = "$(basename "$(dirname "$ino")")" ] || fail "$ino: not named after its folder"
  [ -f "$(dirname "$ino")/secrets.h.example" ] || fail "$ino: no secrets.h.example beside it"
done
[ $status -eq 0 ] && echo "ok    library.properties and library.json (version $version), $examples examples"

# 2. Completeness.
# (and lansync.h's deliberately missing one, which ends a C++11 compilation: 3. below)
arduino_headers='^(Arduino|WiFi|WiFiUdp|ESP8266WiFi|Wire|Preferences|EEPROM|esp_[a-z_]*|sys/time|mbedtls/[a-z0-9_]*|bearssl/[a-z_]*|lwip/apps/[a-z_]*|user_interface|secrets)\.h$|^(new|memory)$|^lansync needs C\+\+17'
# and the main header of each library library.properties depends= on (the examples' MicroOcpp.h,
# MD_MAX72xx.h: the library MD_MAX72XX names its header in another case, so compared in lower case)
depends=$(sed -n 's/^depends=//p' "$lib/library.properties" | tr ',' '\n' | sed 's/^ *//; s/ *$//' | paste -sd'|')
depends_headers='^$'
[ -n "$depends" ] && depends_headers="^(${depends,,})\.h$"
before=$status
while IFS= read -r -d '' f; do
  while IFS= read -r inc; do
    if [ -f "$src/$inc" ] || [ -f "$(dirname "$f")/$inc" ]; then continue; fi
    [[ $inc =~ $arduino_headers || ${inc,,} =~ $depends_headers ]] && continue
    fail "${f#"$lib"/} includes $inc, which the library lacks"
  done < <(sed -n 's/^#include [<"]\([^>"]*\)[>"].*/\1/p' "$f" | grep -v -E '^(stddef|stdint)\.h$')
done < <(find "$src" "$lib/examples" -type f \( -name '*.h' -o -name '*.hpp' -o -name '*.cpp' -o -name '*.ino' \) -print0)
for f in "$root"/firmware/board/*; do
  cmp -s "$f" "$src/firmware/board/$(basename "$f")" || fail "src/firmware/board/$(basename "$f") is missing or differs"
done
[ $status -eq $before ] && echo "ok    every include resolves in the library; firmware/board is whole ($(find "$src" -name '*.cpp' | wc -l) sources)"

# 3. The public header alone.
flags=(-ffreestanding -fno-exceptions -fno-rtti -nostdinc++ -Wall -Wextra -Wconversion -Werror -I"$src")
for std in gnu++17 c++20 gnu++2b; do
  if echo '#include "lansync.h"' | "$host_cxx" -std=$std "${flags[@]}" -fsyntax-only -x c++ -; then
    echo "ok    lansync.h compiles alone, freestanding, -std=$std"
  else
    fail "lansync.h does not compile alone (-std=$std)"
  fi
done
# A sketch on a C++11 core: one error, lansync's own, with the fix.
echo '#include "lansync.h"' | "$host_cxx" -std=gnu++11 "${flags[@]}" -fsyntax-only -x c++ - >"$tmp/cxx11.log" 2>&1 || true
errors=$(grep 'error:' "$tmp/cxx11.log" | grep -c -v -e 'fatal error: lansync needs C++17' || true)
if [ "$errors" = 1 ] && grep -q 'error: #error "lansync needs C++17.*build_unflags = -std=gnu++11' "$tmp/cxx11.log" &&
  grep -q 'compilation terminated' "$tmp/cxx11.log"; then
  echo "ok    lansync.h as gnu++11 stops the compilation at its own #error, with the fix"
else
  fail "lansync.h as gnu++11: $errors errors, not just its own #error:"
  head -5 "$tmp/cxx11.log"
fi

# 4. The sources, from the library only, and the self-test linked against them.
mkdir -p "$tmp/obj"
n=0
while IFS= read -r -d '' f; do
  obj=$tmp/obj/$(echo "${f#"$src"/}" | tr / _).o
  if "$host_cxx" -std=gnu++17 -O2 "${flags[@]}" -c "$f" -o "$obj"; then
    n=$((n + 1))
  else
    fail "${f#"$lib"/} does not compile from the library"
  fi
  "$host_cxx" -std=gnu++2b "${flags[@]}" -fsyntax-only "$f" || fail "${f#"$lib"/} does not compile as gnu++2b"
done < <(find "$src" -name '*.cpp' -print0)
"$host_cxx" -std=c++20 -O2 "${flags[@]}" -c "$root/tests/target/selftest.cpp" -o "$tmp/selftest.o"
cc -c "$root/tests/target/start_host.c" -o "$tmp/start_host.o"
if ! "$host_cxx" "$tmp/selftest.o" "$tmp/start_host.o" "$tmp"/obj/*.o -o "$tmp/selftest"; then
  fail "the self-test does not link against the library's $n objects"
elif ! "$tmp/selftest" >"$tmp/out"; then
  fail "the self-test, linked against the library, fails:"
  cat "$tmp/out"
else
  echo "ok    $n sources compile with -I src only (gnu++17, gnu++2b); the self-test linked against them passes ($(grep -c '^ok' "$tmp/out") checks)"
fi
exit $status
