#!/usr/bin/env bash
# One interop script of tests/interop run with some tools of a cross build
# (armhf or arm64) under qemu-user and the rest native: the peers (chronyd,
# ntpdig, the camera emulator) and every tool not named stay this machine's.
# The script sees LANSYNC_BIN, a folder where each named tool is a wrapper
# running the cross-built binary under qemu, and LANSYNC_EMULATED, the
# emulator's name, by which it says which checks qemu-user cannot support.
#
#   interop.sh ARCH CROSS_BUILD_DIR NATIVE_BIN_DIR SCRIPT TOOL...
set -euo pipefail
arch=$1 cross=$2 native=$3 script=$4
shift 4
root=$(cd "$(dirname "$0")/../.." && pwd)
case "$arch" in
  armhf) qemu=qemu-arm ;;
  arm64) qemu=qemu-aarch64 ;;
  *) echo "arch interop: unknown architecture '$arch'" >&2; exit 2 ;;
esac
sysroot=$root/.cross/sysroot-$arch
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
for f in "$native"/*; do ln -s "$f" "$bin/"; done
for tool in "$@"; do
  [ -x "$cross/bin/$tool" ] || { echo "arch interop: $cross/bin/$tool was not built"; exit 1; }
  rm -f "$bin/$tool"
  printf '#!/bin/sh\nexec %s -L %s %s "$@"\n' "$qemu" "$sysroot" "$cross/bin/$tool" >"$bin/$tool"
  chmod +x "$bin/$tool"
  echo "arch interop: $tool is the $arch build, run by $qemu"
done
LANSYNC_BIN=$bin LANSYNC_EMULATED=$qemu bash "$script"
