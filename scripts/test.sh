#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. installs what the tests need (scripts/install-deps.sh --test),
#   2. builds into build/ with warnings as errors, then starts the sanitizer
#      build (build-asan/, AddressSanitizer and UndefinedBehaviorSanitizer) in
#      the background at low priority: most tests wait on sockets and timers,
#      and the build takes the CPU they leave;
#   3. runs every test but the system tier: unit, interop against chronyd and
#      ntpsec, adversarial, checks, and the arch tier (tests/arch: armhf and
#      arm64 cross-built, their unit tests and tools run under qemu-user; its
#      two builds, also at low priority, overlap the other tests);
#   4. runs the system tier (label system), one container at a time: the .deb
#      built by scripts/package.sh, installed into a booted Debian 12;
#   5. runs the unit, interop and adversarial tests again in the sanitizer build
#      (not the checks, which read the sources, nor the system and arch tiers).
# Any ctest arguments given are passed on, e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$((2 * $(nproc)))  # the tests mostly wait: twice as many as there are cores

scripts/install-deps.sh --test

echo "== build (warnings are errors)"
scripts/build.sh build
echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer, in the background (log: build-asan/build.log)"
mkdir -p build-asan
nice -n 10 scripts/build.sh build-asan -DLANSYNC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DLANSYNC_BENCH=OFF \
  >build-asan/background.log 2>&1 &
asan_build=$!
trap 'kill "$asan_build" 2>/dev/null || true' EXIT
echo "== tests (the arch tier included)"
tiers_start=$SECONDS
ctest --test-dir build --output-on-failure --progress -j "$jobs" -LE system "$@"
echo "== system tests (the .deb in a booted Debian 12)"
ctest --test-dir build --output-on-failure --progress -L system "$@"
echo "== the native, arch and system tiers took $((SECONDS - tiers_start)) s"

echo "== waiting for the sanitizer build"
if ! wait "$asan_build"; then
  cat build-asan/background.log
  exit 1
fi
echo "== tests under the sanitizers"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure --progress -j "$jobs" -LE 'system|arch|check' "$@"
echo "== all tests passed"
