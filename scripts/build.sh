#!/usr/bin/env bash
# Configures and builds lansync into a build directory; warnings are errors, as in CI.
#
#   scripts/build.sh [BUILD_DIR [extra cmake options...]]      BUILD_DIR defaults to build/
#
# Quiet on success; on failure, prints the build log.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
[ $# -gt 0 ] && shift
mkdir -p "$dir"
if ! { cmake -S . -B "$dir" -DLANSYNC_WERROR=ON "$@" && cmake --build "$dir" -j "$(nproc)"; } >"$dir/build.log" 2>&1; then
  cat "$dir/build.log" >&2
  echo "build: failed in $dir (log: $dir/build.log)" >&2
  exit 1
fi
