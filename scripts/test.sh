#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. installs what the tests need (scripts/install-deps.sh --test),
#   2. builds into build/ with warnings as errors and runs every test
#      (unit, interop against chronyd and ntpsec, adversarial, checks),
#   3. runs the system tier (label system) alone, one container at a time:
#      the .deb built by scripts/package.sh, installed into a booted Debian 12,
#   4. builds again into build-asan/ with AddressSanitizer and
#      UndefinedBehaviorSanitizer and runs every test but the system and arch
#      tiers under them (the package is built without sanitizers).
# The arch tier (label arch, tests/arch: armhf and arm64 cross-built, run under
# qemu-user) is not part of this run yet: run it with
#   ctest --test-dir build -L arch
# Any ctest arguments given are passed on, e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test

echo "== build (warnings are errors)"
scripts/build.sh build
echo "== tests"
ctest --test-dir build --output-on-failure --progress -j "$(nproc)" -LE 'system|arch' "$@"
echo "== system tests (the .deb in a booted Debian 12)"
system_start=$SECONDS
ctest --test-dir build --output-on-failure --progress -L system "$@"
echo "== the system tier took $((SECONDS - system_start)) s (package, root file system, every scenario)"

echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer"
scripts/build.sh build-asan -DLANSYNC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
echo "== tests under the sanitizers"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure --progress -j "$(nproc)" -LE 'system|arch' "$@"
echo "== all tests passed"
