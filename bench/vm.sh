#!/usr/bin/env bash
# The VM tier at length: the packaged sntpd in a Debian 12 virtual machine (tests/vm), many more
# times than CI's one run of each.
#
#   bench/vm.sh [CUTS] [CLOCK_RUNS]     (default 100 power cuts, 5 clock runs)
#
# - CUTS power cuts (tests/vm/powercut.sh --cuts CUTS): QEMU killed at a random moment after
#   time-sync.target, then a boot from what the disk held; the tally printed (how many booted
#   to a synchronized sntpd with every file good).  About 55 s a cut under software emulation.
# - CLOCK_RUNS runs of tests/vm/clock.sh: sntpd and chronyd, in two guests side by side,
#   disciplining their kernel clocks, 1 h off at boot; each run's ratios (sntpd / chronyd:
#   median |offset|, spread) printed, and their median over the runs.  About 2.5 minutes a run.
#
# Needs root, the VM tier's image (ctest -R vm.setup, in build/ or $LANSYNC_VM_DIR) and QEMU
# (scripts/install-deps.sh --test).  Output in bench/out/vm/.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cuts=${1:-100}
clock_runs=${2:-5}
out=$repo/bench/out/vm
mkdir -p "$out"
export LANSYNC_VM_DIR=${LANSYNC_VM_DIR:-$repo/build/vm}
export LANSYNC_BIN=${LANSYNC_BIN:-$repo/build/bin}

echo "== $cuts power cuts (tests/vm/powercut.sh)"
bash "$repo/tests/vm/powercut.sh" --cuts "$cuts" >"$out/powercut.log" 2>&1 || true
grep -E "seed|tally|^FAIL" "$out/powercut.log" || echo "no tally: see $out/powercut.log"

echo "== $clock_runs runs of tests/vm/clock.sh"
: >"$out/clock-ratios"
for ((i = 1; i <= clock_runs; i++)); do
  bash "$repo/tests/vm/clock.sh" >"$out/clock-$i.log" 2>&1 || true
  line=$(grep "sntpd / chronyd" "$out/clock-$i.log" || echo "      (no ratio: see $out/clock-$i.log)")
  echo "run $i:$line"
  sed -n 's/.*median |offset| \([0-9.]*\)x, spread \([0-9.]*\)x.*/\1 \2/p' <<<"$line" >>"$out/clock-ratios"
done
# median COLUMN: the median of that column of the ratios.
median() { cut -d' ' -f"$1" "$out/clock-ratios" | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
if [ -s "$out/clock-ratios" ]; then
  echo "median over $(wc -l <"$out/clock-ratios") runs, sntpd / chronyd: median |offset| $(median 1)x, spread $(median 2)x"
fi
