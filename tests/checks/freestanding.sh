#!/usr/bin/env bash
# The codec and proto layers must build freestanding, as the ESP firmware
# builds them: no C++ library headers, no exceptions, no RTTI, and the object
# files together may refer to no symbol they do not define themselves (no
# operator new, no malloc, no libc).
#
#   freestanding.sh CXX SOURCE...
set -euo pipefail
cxx=$1
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for opt in -O0 -O2 -Os; do
  objs=()
  for src in "$@"; do
    obj="$tmp/$(basename "$(dirname "$src")")_$(basename "$src")$opt.o"  # codec/ds3231.cpp, proto/ds3231.cpp
    "$cxx" -std=c++20 "$opt" -ffreestanding -fno-exceptions -fno-rtti -nostdinc++ \
      -Wall -Wextra -Wconversion -Werror -I"$root/libsync" -c "$src" -o "$obj"
    objs+=("$obj")
  done
  nm --defined-only "${objs[@]}" | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/defined"
  nm -u "${objs[@]}" | awk 'NF == 2 { print $2 }' | sort -u >"$tmp/used"
  undefined=$(comm -23 "$tmp/used" "$tmp/defined" | tr '\n' ' ')
  if [ -n "$undefined" ]; then
    echo "FAIL  $opt: the objects refer to: $undefined"
    status=1
  else
    echo "ok    $# sources ($opt): no symbol from outside them"
  fi
done
exit $status
