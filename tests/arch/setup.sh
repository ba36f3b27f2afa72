#!/usr/bin/env bash
# The arch tier's build: lansync cross-built for a Raspberry Pi architecture
# (armhf or arm64) with Debian's cross compiler against a sysroot of Debian
# 12's libraries for it (scripts/cross/sysroot.sh, kept in .cross/ and shared
# with scripts/package.sh), warnings as errors.  Only what the tier runs is
# built: libsync, the tools and unit_tests (no benchmarks, no fuzz targets),
# at -O1 without debug information, asserts kept (the tier runs them under qemu-user; the
# native tiers test the optimised build), each target's sources compiled as a few large
# files (CMAKE_UNITY_BUILD: 31 % less compiler time; the native build stays one file at a
# time, so that a missing include still fails there).  The build runs at a lower priority
# than the tests it overlaps (scripts/test.sh runs the tiers side by side).
#
#   setup.sh ARCH BUILD_DIR
set -euo pipefail
arch=$1
dir=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
case "$arch" in
  armhf) triplet=arm-linux-gnueabihf ;;
  arm64) triplet=aarch64-linux-gnu ;;
  *) echo "arch setup: unknown architecture '$arch'" >&2; exit 2 ;;
esac
start=$SECONDS
"$root/scripts/install-deps.sh" --arch "$arch"
sysroot=$root/.cross/sysroot-$arch
"$root/scripts/cross/sysroot.sh" "$arch" "$sysroot"
echo "arch setup: $arch sysroot ready after $((SECONDS - start)) s"
mkdir -p "$dir"
if ! { cmake -S "$root" -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$root/scripts/cross/$triplet.cmake" \
  -DCMAKE_SYSROOT="$sysroot" -DLANSYNC_WERROR=ON -DLANSYNC_BENCH=OFF -DLANSYNC_FUZZ=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1" -DCMAKE_UNITY_BUILD=ON &&
  nice -n 5 cmake --build "$dir" -j "$(nproc)" --target unit_tests sntpd sntpd-web ntpprobe driftlog rtcset camsync; } \
  >"$dir/build.log" 2>&1; then
  tail -n 60 "$dir/build.log"
  echo "arch setup: the $arch build failed (log: $dir/build.log)"
  exit 1
fi
echo "arch setup: $arch built in $((SECONDS - start)) s (sysroot, configure, build)"
