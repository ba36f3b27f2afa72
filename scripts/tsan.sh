#!/usr/bin/env bash
# ThreadSanitizer over sntpd's threads (the serving workers, the event loop, the upstream and
# reference state they share), not yet a phase of scripts/test.sh (issue 47: CI's time):
#
#   scripts/tsan.sh [INTEROP_TEST...]
#
# Builds sntpd, ntpprobe and the unit tests with -fsanitize=thread into build-tsan/, runs the
# unit tests there, then the interop tests named (default: the sntpd tests below, which run
# sntpd with its worker thread under load, upstreams, phones, MQTT, HTTP and restarts) with
# that sntpd and ntpprobe and the regular build's other programs (build/: sntpd-web runs under
# a memory limit that ThreadSanitizer's shadow memory cannot fit in).  Exit 1 when a test fails
# or ThreadSanitizer reported anything; its reports are kept in build-tsan/tsan-reports/.
# Left out of the unit tests: Privileges.* (a child forked from a ThreadSanitizer process
# aborts when it changes its user: the sanitizer's limit, not a race).
set -euo pipefail
cd "$(dirname "$0")/.."
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(sntpd_load sntpd_upstream_select sntpd_chronyd sntpd_symmetric sntpd_policy
  sntpd_mqtt sntpd_web_restart sntpd_phone sntpd_offline sntpd_pool sntpd_fallback sntpd_unreliable sntpd_drift)

scripts/install-deps.sh --test
echo "== build/ (the programs the tests run beside sntpd)"
scripts/build.sh build
echo "== build-tsan/: sntpd, ntpprobe and the unit tests with ThreadSanitizer"
scripts/build.sh build-tsan --target sntpd --target ntpprobe --target unit_tests -DCMAKE_BUILD_TYPE=Debug \
  "-DCMAKE_CXX_FLAGS=-fsanitize=thread -fno-omit-frame-pointer" "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread"
reports=$PWD/build-tsan/tsan-reports
bin=$PWD/build-tsan/mixed-bin
rm -rf "$reports" "$bin"
mkdir -p "$reports"
chmod 1777 "$reports"  # sntpd may run as another user after dropping privileges
cp -a build/bin "$bin"
cp build-tsan/bin/sntpd build-tsan/bin/ntpprobe "$bin/"
export TSAN_OPTIONS="log_path=$reports/report halt_on_error=0 report_signal_unsafe=0"

failed=()
echo "== unit tests"
build-tsan/bin/unit_tests --gtest_brief=1 --gtest_filter='-Privileges.*' || failed+=(unit)
for t in "${tests[@]}"; do
  echo "== interop: $t"
  LANSYNC_BIN=$bin timeout 600 bash "tests/interop/$t.sh" >"$reports/$t.out" 2>&1 || {
    failed+=("$t")
    tail -20 "$reports/$t.out"
  }
done
found=$(find "$reports" -name 'report.*' | wc -l)
if [ "$found" -gt 0 ]; then
  cat "$reports"/report.*
  failed+=("$found ThreadSanitizer reports")
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "tsan: failed: ${failed[*]} (outputs in $reports)"
  exit 1
fi
echo "tsan: the unit tests and ${#tests[@]} interop tests, no ThreadSanitizer report"
