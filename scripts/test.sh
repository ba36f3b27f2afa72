#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. installs what the tests need (scripts/install-deps.sh --test);
#   2. builds into build-asan/ with AddressSanitizer and
#      UndefinedBehaviorSanitizer, warnings as errors;
#   3. runs in that build, side by side in one ctest run: unit, interop against
#      chronyd and ntpsec, adversarial, clients (tests/clients: the clients
#      people run against sntpd, a board and chronyd; its table in
#      tests/out/clients/table.md), checks, fuzz (tests/fuzz/run.sh: every fuzz
#      target built with clang and fuzzed for 6 s), tsan (scripts/tsan.sh: sntpd, ntpprobe
#      and the unit tests built with ThreadSanitizer, the unit tests and sntpd's threaded
#      interop tests run with them), sim, and the arch tier (tests/arch:
#      armhf and arm64 cross-built at a lower priority, their unit tests and
#      tools run under qemu-user);
#   4. then the system tier (label system): the .deb built by
#      scripts/package.sh (optimised as shipped, no sanitizers, warnings as
#      errors) installed into a booted Debian 12, one container at a time; and
#      the VM tier (label vm): the same .deb in a Debian 12 virtual machine, its
#      own kernel's clock disciplined by the packaged sntpd (tests/vm).  Not
#      beside the others: its package build on top of theirs loaded the
#      machine past what two of its tests held.  Two jobs: the VM image's
#      file system is made while the package builds, then the containers (one
#      at a time) run beside the guests (at most two at once: tests/CMakeLists.txt).
# One native build, sanitized: the shipped optimisation is tested by the system
# tier (the .deb's own binaries), the Pi's by the arch tier.
# Any ctest arguments given are passed on, e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
# The tests mostly wait: twice as many as there are cores, plus one.  The four heavy steps
# (tsan.run, fuzz.run and the two arch setups: builds, three of them niced) start first and hold
# four slots for their first 11 to 17 minutes; with 2 x cores slots and 2 cores, nothing else
# ran beside them.
jobs=$((2 * $(nproc) + 1))

scripts/install-deps.sh --test

echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer (warnings are errors)"
scripts/build.sh build-asan -DLANSYNC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
echo "== tests: unit, interop, adversarial, clients, checks and the arch tier"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-asan --output-on-failure --progress -j "$jobs" -LE "^(system|vm)$" "$@"
echo "== system and VM tests (the .deb in a booted Debian 12: a container, then a virtual machine)"
system_start=$SECONDS
ctest --test-dir build-asan --output-on-failure --progress -j 2 -L "^(system|vm)$" "$@"
echo "== the system and VM tiers took $((SECONDS - system_start)) s (package, root file systems, every scenario)"
echo "== all tests passed"
