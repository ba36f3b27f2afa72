#!/usr/bin/env bash
# Assembles the Arduino / PlatformIO library "lansync" from the repository:
#
#   scripts/arduino-library.sh OUTDIR [--zip]
#
# OUTDIR/lansync/ gets library.properties and library.json (firmware/library,
# the version from CMakeLists.txt), the examples (firmware/library/examples,
# each with its secrets.h.example), and src/: the public header lansync.h and
# the glue lansync_port.h (firmware/arduino), the portable core
# (firmware/board) and the codec files the core includes, found by following
# its #include lines, each .hpp with its .cpp.  The files keep their paths
# (src/firmware/board/board.hpp, src/codec/ntp_packet.hpp), so their
# #include lines work unchanged with src/ on the include path, as the
# Arduino IDE and PlatformIO put it.  --zip also writes OUTDIR/lansync.zip
# for the Arduino IDE (Sketch > Include Library > Add .ZIP Library).
# The layout is built, not committed: one copy of each source, and
# tests/checks/arduino_library.sh builds it and compiles it in CI.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [--zip]" >&2; exit 2; }
out=$1/lansync
zip=no
[ "${2:-}" = --zip ] && zip=yes
version=$(sed -n 's/^project(lansync VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
[ -n "$version" ] || { echo "$0: no version in CMakeLists.txt" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/src"
for f in library.properties library.json; do
  sed "s/@VERSION@/$version/" "$root/firmware/library/$f" >"$out/$f"
done
cp -r "$root/firmware/library/examples" "$out/examples"
find "$out/examples" -name secrets.h -delete  # a maker's own, if one sits in the checkout
cp "$root/firmware/arduino/lansync.h" "$root/firmware/arduino/lansync_port.h" "$out/src/"

# The include closure of the two headers, in repository paths (firmware/board/x.hpp, codec/x.hpp, proto/x.hpp).
where() {  # where PATH: the repository file an #include "PATH" names
  case "$1" in
    firmware/*) echo "$root/$1" ;;
    codec/* | proto/*) echo "$root/libsync/$1" ;;
    *) echo "" ;;
  esac
}
declare -A seen=()
queue=()
add_includes() {
  local inc
  for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$1"); do
    [ -n "$(where "$inc")" ] || continue
    [ -n "${seen[$inc]:-}" ] && continue
    seen[$inc]=1
    queue+=("$inc")
  done
}
add_includes "$root/firmware/arduino/lansync.h"
add_includes "$root/firmware/arduino/lansync_port.h"
while [ ${#queue[@]} -gt 0 ]; do
  inc=${queue[0]}
  queue=("${queue[@]:1}")
  src=$(where "$inc")
  [ -f "$src" ] || { echo "$0: $inc (included) is not in the repository" >&2; exit 1; }
  mkdir -p "$out/src/$(dirname "$inc")"
  cp "$src" "$out/src/$inc"
  add_includes "$src"
  cpp=${src%.hpp}.cpp
  if [ "$cpp" != "$src" ] && [ -f "$cpp" ]; then
    cp "$cpp" "$out/src/${inc%.hpp}.cpp"
    add_includes "$cpp"
  fi
done
echo "lansync $version: $(find "$out/src" -name '*.cpp' | wc -l) sources, $(find "$out/src" -name '*.h*' | wc -l) headers, $(find "$out/examples" -name '*.ino' | wc -l) examples in $out"
if [ $zip = yes ]; then
  rm -f "$1/lansync.zip"
  (cd "$1" && zip -qr lansync.zip lansync)
  echo "$1/lansync.zip"
fi
