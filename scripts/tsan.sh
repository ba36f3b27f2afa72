#!/usr/bin/env bash
# ThreadSanitizer over sntpd's threads (the serving workers, the event loop, the upstream and
# reference state they share); the tsan phase of scripts/test.sh (ctest: tsan.run), or by hand:
#
#   scripts/tsan.sh [--build DIR] [--programs BIN] [INTEROP_TEST...]
#
# Builds sntpd, ntpprobe and the unit tests with -fsanitize=thread (a unity build) into DIR (default
# build-tsan/), runs the unit tests there, then the interop tests named (default: the sntpd
# tests below, which run sntpd with its worker thread under load, upstreams, phones, MQTT,
# HTTP and restarts) with that sntpd and ntpprobe beside the other programs of BIN, another
# build's bin/ (default: build/bin, built first; sntpd-web and sntpd-mqtt are processes of their
# own, which ThreadSanitizer does not need to watch).  With --programs nothing is installed or
# built but DIR: the test suite has done both.  Exit 1 when a test
# fails or ThreadSanitizer reported anything; its reports are kept in DIR/tsan-reports/.
# Left out of the unit tests: Privileges.* (a child forked from a ThreadSanitizer process
# aborts when it changes its user: the sanitizer's limit, not a race).
# -Wno-tsan: the gpsd shared-memory reader (os/clock_shm) orders its reads with fences against
# gpsd, another process; ThreadSanitizer neither models fences nor sees that process.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build-tsan programs=
while [ $# -gt 0 ]; do
  case "$1" in
    --build) dir=$2; shift 2 ;;
    --programs) programs=$2; shift 2 ;;
    *) break ;;
  esac
done
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(sntpd_load sntpd_upstream_select sntpd_chronyd sntpd_symmetric sntpd_policy
  sntpd_mqtt sntpd_web_restart sntpd_phone sntpd_offline sntpd_pool sntpd_fallback sntpd_unreliable sntpd_drift)

start=$SECONDS
if [ -z "$programs" ]; then
  scripts/install-deps.sh --test
  echo "== build/ (the programs the tests run beside sntpd)"
  scripts/build.sh build
  programs=$PWD/build/bin
fi
echo "== $dir: sntpd, ntpprobe and the unit tests with ThreadSanitizer"
scripts/build.sh "$dir" --target sntpd --target ntpprobe --target unit_tests -DCMAKE_BUILD_TYPE=Debug \
  -DLANSYNC_BENCH=OFF -DCMAKE_UNITY_BUILD=ON "-DCMAKE_CXX_FLAGS=-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan" \
  "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread"
echo "== built in $((SECONDS - start)) s"
dir=$(cd "$dir" && pwd)
reports=$dir/tsan-reports
bin=$dir/mixed-bin
rm -rf "$reports" "$bin"
mkdir -p "$reports"
chmod 1777 "$reports"  # sntpd may run as another user after dropping privileges
cp -a "$programs" "$bin"
cp "$dir/bin/sntpd" "$dir/bin/ntpprobe" "$bin/"
export TSAN_OPTIONS="log_path=$reports/report halt_on_error=0 report_signal_unsafe=0"

failed=() skipped=()
echo "== unit tests"
"$dir/bin/unit_tests" --gtest_brief=1 --gtest_filter='-Privileges.*' >"$reports/unit.out" 2>&1 || {
  failed+=(unit)
  tail -30 "$reports/unit.out"
}
for t in "${tests[@]}"; do
  echo "== interop: $t"
  rc=0
  LANSYNC_BIN=$bin timeout 600 bash "tests/interop/$t.sh" >"$reports/$t.out" 2>&1 || rc=$?
  if [ $rc -eq 77 ]; then
    skipped+=("$t")
    tail -1 "$reports/$t.out"
  elif [ $rc -ne 0 ]; then
    failed+=("$t")
    tail -20 "$reports/$t.out"
  fi
done
found=$(find "$reports" -name 'report.*' | wc -l)
if [ "$found" -gt 0 ]; then
  cat "$reports"/report.*
  failed+=("$found ThreadSanitizer reports")
fi
echo "== took $((SECONDS - start)) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "tsan: failed: ${failed[*]} (outputs in $reports)"
  exit 1
fi
echo "tsan: the unit tests and $((${#tests[@]} - ${#skipped[@]})) interop tests, no ThreadSanitizer report${skipped:+ (skipped, as their output says: ${skipped[*]})}"
