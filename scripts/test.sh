#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. installs what the tests need (scripts/install-deps.sh --test);
#   2. builds into build-asan/ with AddressSanitizer and
#      UndefinedBehaviorSanitizer, warnings as errors;
#   3. runs every test of that build in one ctest run, side by side: unit,
#      interop against chronyd and ntpsec, adversarial, checks; the arch tier
#      (tests/arch: armhf and arm64 cross-built at a lower priority, their unit
#      tests and tools run under qemu-user); and the system tier (the .deb
#      built by scripts/package.sh, optimised as shipped, no sanitizers,
#      warnings as errors, installed into a booted Debian 12, one container at
#      a time).
# One native build, sanitized: the shipped optimisation is tested by the system
# tier (the .deb's own binaries), the Pi's by the arch tier.
# Any ctest arguments given are passed on, e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$((2 * $(nproc)))  # the tests mostly wait: twice as many as there are cores

scripts/install-deps.sh --test

echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer (warnings are errors)"
scripts/build.sh build-asan -DLANSYNC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
echo "== every test: unit, interop, adversarial, checks, arch and system tiers"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-asan --output-on-failure --progress -j "$jobs" "$@"
echo "== all tests passed"
