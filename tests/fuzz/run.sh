#!/usr/bin/env bash
# The fuzz step of the test suite (ctest: fuzz.run): builds the libFuzzer
# targets with clang (AddressSanitizer and UndefinedBehaviorSanitizer, as
# -DLANSYNC_FUZZ=ON builds them; a unity build) in DIR, then fuzzes each for SECONDS,
# starting from its corpus in tests/fuzz/corpus/TARGET (which the unit tests
# replay on every run besides).  One target at a time, at a lower priority:
# the other tests run beside it.
#
# An input that breaks a target (a broken invariant, a sanitizer's report, a
# hang past 10 s, over 2 GB) fails the step, and is kept: copied into the
# target's corpus as tests/fuzz/corpus/TARGET/SHA1, where the unit tests
# replay it from then on, and printed in base64 (a CI log is all there is of
# a CI machine's tree).  The new inputs that only add coverage are left in
# DIR/new/TARGET (fold them in with -merge=1, tests/fuzz/CMakeLists.txt).
#
#   run.sh SOURCE_DIR DIR SECONDS TARGET...
# Exit: 0 nothing broke; 1 a target broke (or would not build).
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 SOURCE_DIR DIR SECONDS TARGET..." >&2; exit 2; }
src=$1 dir=$2 seconds=$3
shift 3
command -v clang++ >/dev/null || { echo "FAIL  no clang++ (scripts/install-deps.sh --test installs clang)"; exit 1; }

mkdir -p "$dir"
start=$SECONDS
builds=()
for t in "$@"; do builds+=("fuzz_$t"); done
echo "== building ${#builds[@]} fuzz targets with clang in $dir"
if ! { nice -n 5 cmake -S "$src" -B "$dir/build" -DCMAKE_CXX_COMPILER=clang++ \
  -DLANSYNC_FUZZ=ON -DLANSYNC_BENCH=OFF -DCMAKE_UNITY_BUILD=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$dir/configure.log" 2>&1 &&
  nice -n 5 cmake --build "$dir/build" -j "$(nproc)" --target "${builds[@]}" >"$dir/build.log" 2>&1; }; then
  tail -n 30 "$dir/configure.log" "$dir/build.log"
  echo "FAIL  the fuzz targets do not build (logs in $dir)"
  exit 1
fi
echo "== built in $((SECONDS - start)) s; each target fuzzed for $seconds s"

export ASAN_OPTIONS=abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for t in "$@"; do
  corpus=$src/tests/fuzz/corpus/$t
  mkdir -p "$dir/new/$t" "$dir/crash/$t"
  rm -f "$dir/crash/$t"/*
  log=$dir/$t.log
  rc=0
  # The fuzzer stops itself after max_total_time; timeout only ends a hang of the fuzzer itself.
  timeout $((seconds * 3 + 60)) nice -n 5 "$dir/build/bin/fuzz_$t" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/crash/$t/" "$dir/new/$t" "$corpus" \
    >"$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  if [ $rc -eq 0 ]; then
    echo "ok    $t: ${runs:-?} inputs in $seconds s, nothing broke"
    continue
  fi
  status=1
  grep -a -m3 -E 'broken invariant|ERROR|runtime error' "$log" | sed "s/^/      $t: /" || true
  found=no
  for a in "$dir/crash/$t"/*; do
    [ -f "$a" ] || continue
    found=yes
    sha=$(sha1sum "$a" | cut -c1-40)
    cp "$a" "$corpus/$sha"
    echo "FAIL  $t broke on an input, kept as tests/fuzz/corpus/$t/$sha (the unit tests replay it); base64:"
    base64 -w 0 "$a" | head -c 4000
    echo
  done
  [ $found = yes ] || echo "FAIL  $t ended with status $rc and no input (log: $log)"
done
echo "== fuzzing took $((SECONDS - start)) s in all"
exit $status
