#!/usr/bin/env bash
# The unit tests of a cross build (armhf or arm64), one run of its unit_tests
# under qemu-user (one emulator start, not one per test), all but those of
# qemu_lacks.txt, which are printed by name with their reasons first: never a
# silent skip.  GoogleTest's brief output shows the failures and the counts.
#
#   unit.sh ARCH CROSS_BUILD_DIR
set -euo pipefail
arch=$1 dir=$2
here=$(dirname "$0")
root=$(cd "$here/../.." && pwd)
case "$arch" in
  armhf) qemu=qemu-arm ;;
  arm64) qemu=qemu-aarch64 ;;
  *) echo "arch unit: unknown architecture '$arch'" >&2; exit 2 ;;
esac
excluded=()
echo "== $arch: not run under qemu-user, which lacks what they test (they run natively in the unit tier):"
while IFS=$'\t' read -r name reason; do
  echo "  $name: $reason"
  excluded+=("$name")
done < <(bash "$here/lists.sh" "$arch")
[ ${#excluded[@]} -gt 0 ] || echo "  (none)"
filter=$(IFS=:; echo "-${excluded[*]}")
echo "== $arch: the unit tests under $qemu"
exec "$qemu" -L "$root/.cross/sysroot-$arch" "$dir/bin/unit_tests" --gtest_brief=1 --gtest_filter="$filter"
