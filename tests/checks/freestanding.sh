#!/usr/bin/env bash
# The codec must build freestanding, as the ESP firmware builds it: no C++
# library headers, no exceptions, no RTTI, and the object files may refer to
# no symbol at all (no operator new, no malloc, no libc).
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
  for src in "$@"; do
    obj="$tmp/$(basename "$src").o"
    "$cxx" -std=c++20 "$opt" -ffreestanding -fno-exceptions -fno-rtti -nostdinc++ \
      -Wall -Wextra -Wconversion -Werror -I"$root/libsync" -c "$src" -o "$obj"
    undefined=$(nm -u "$obj" | awk '{ print $2 }' | tr '\n' ' ')
    if [ -n "$undefined" ]; then
      echo "FAIL  $src ($opt) refers to: $undefined"
      status=1
    else
      echo "ok    $src ($opt): no external symbols"
    fi
  done
done
exit $status
