#!/usr/bin/env bash
# Configures and builds lansync into a build directory; warnings are errors, as in CI.
#
#   scripts/build.sh [BUILD_DIR [--target T]... [extra cmake options...]]
#
# BUILD_DIR defaults to build/; each --target T builds T (and what it needs)
# instead of everything.  Quiet on success; on failure, prints the build log.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
[ $# -gt 0 ] && shift
targets=()
cmake_opts=()
while [ $# -gt 0 ]; do
  case "$1" in
    --target)
      [ $# -ge 2 ] || { echo "build: --target needs a target name" >&2; exit 2; }
      targets+=(--target "$2")
      shift 2
      ;;
    *) cmake_opts+=("$1"); shift ;;
  esac
done
mkdir -p "$dir"
if ! { cmake -S . -B "$dir" -DLANSYNC_WERROR=ON "${cmake_opts[@]}" &&
  cmake --build "$dir" -j "$(nproc)" "${targets[@]}"; } >"$dir/build.log" 2>&1; then
  cat "$dir/build.log" >&2
  echo "build: failed in $dir (log: $dir/build.log)" >&2
  exit 1
fi
