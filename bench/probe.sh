#!/usr/bin/env bash
# Benchmark: one NTP query of a loopback server, as a whole process, by
# ntpprobe, ntpsec's ntpdig and chronyd -Q, in the same run; then the offset
# each measures against a server whose clock is 2.5 s ahead (faketime).
#
#   bench/probe.sh [RUNS]       RUNS defaults to 100 (timing) and 30 (offsets)
#
# Runs inside a private user + network namespace (port 123 is ours, and no
# client can touch the clock).  Prints a table and ratios; writes it to
# bench/out/probe.txt too.
set -euo pipefail
source "$(dirname "$0")/../tests/interop/lib.sh"
enter_private_netns "$@"
runs=${1:-100}
offset_runs=30
out_dir="$REPO/bench/out"
mkdir -p "$out_dir"

chrony_q=(chronyd -Q -u root -t 5 -f /dev/null "server 127.0.0.1 iburst maxsamples 1")

# --- Time per query, against one chronyd serving its clock on 127.0.0.1:123.
chronyd_server server 123 -- "${CHRONY_SERVES[@]}"
wait_for_ntp 127.0.0.1:123
hyperfine -N --warmup 5 --runs "$runs" --export-json "$WORK/time.json" \
  -n "ntpprobe -n 1" "$BIN/ntpprobe -n 1 127.0.0.1" \
  -n "ntpprobe (4 samples)" "$BIN/ntpprobe 127.0.0.1" \
  -n "ntpdig" "ntpdig 127.0.0.1" \
  -n "chronyd -Q" "chronyd -Q -u root -t 5 -f /dev/null 'server 127.0.0.1 iburst maxsamples 1'" \
  >"$WORK/hyperfine.txt" 2>&1 ||
  { cat "$WORK/hyperfine.txt"; exit 1; }
kill "$LAST_PID"
wait "$LAST_PID" 2>/dev/null || true

median_ms() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median * 1000' "$WORK/time.json"; }
p_one=$(median_ms "ntpprobe -n 1")
p_four=$(median_ms "ntpprobe (4 samples)")
dig=$(median_ms "ntpdig")
chq=$(median_ms "chronyd -Q")

# --- Offset error against a server 2.5 s ahead.
chronyd_server ahead 123 faketime -f "+2.5s" -- "${CHRONY_SERVES[@]}"
wait_for_ntp 127.0.0.1:123
: >"$WORK/err.ntpprobe"
: >"$WORK/err.ntpdig"
: >"$WORK/err.chronyd"
for _ in $(seq "$offset_runs"); do
  "$BIN/ntpprobe" -o json 127.0.0.1 | jq -r '.offset_s' >>"$WORK/err.ntpprobe"
  ntpdig -j 127.0.0.1 | jq -r '.offset' >>"$WORK/err.ntpdig"
  # chronyd prints the server-minus-local offset as "System clock wrong by X seconds".
  "${chrony_q[@]}" 2>&1 | sed -n 's/.*System clock wrong by \([-0-9.]*\) seconds.*/\1/p' >>"$WORK/err.chronyd"
done
# median and max of |offset - 2.5| in microseconds
err_stats() {
  awk '{ e = $1 - 2.5; if (e < 0) e = -e; print e * 1e6 }' "$1" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a n/a 0"; exit } printf "%.1f %.1f %d\n", v[int((NR + 1) / 2)], v[NR], NR }'
}
read -r e_probe_med e_probe_max _ < <(err_stats "$WORK/err.ntpprobe")
read -r e_dig_med e_dig_max _ < <(err_stats "$WORK/err.ntpdig")
read -r e_chq_med e_chq_max _ < <(err_stats "$WORK/err.chronyd")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
{
  echo "lansync bench/probe.sh, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
  echo "wall time: median of $runs runs (hyperfine); offset error: |measured - 2.5 s| over $offset_runs runs"
  echo
  printf '%-22s %10s %12s %14s %14s\n' client "wall (ms)" "x ntpprobe" "err med (us)" "err max (us)"
  printf '%-22s %10.2f %12s %14s %14s\n' "ntpprobe -n 1" "$p_one" 1.0 - -
  printf '%-22s %10.2f %12s %14s %14s\n' "ntpprobe (default -n 4)" "$p_four" "$(ratio "$p_four" "$p_one")" \
    "$e_probe_med" "$e_probe_max"
  printf '%-22s %10.2f %12s %14s %14s\n' ntpdig "$dig" "$(ratio "$dig" "$p_one")" "$e_dig_med" "$e_dig_max"
  printf '%-22s %10.2f %12s %14s %14s\n' "chronyd -Q" "$chq" "$(ratio "$chq" "$p_one")" "$e_chq_med" "$e_chq_max"
  echo
  echo "speed: ntpdig / ntpprobe -n 1 = $(ratio "$dig" "$p_one")x, ntpdig / ntpprobe -n 4 = $(ratio "$dig" "$p_four")x (goal: >= 10x)"
  echo "accuracy: median error ntpdig / ntpprobe = $(ratio "$e_dig_med" "$e_probe_med")x," \
    "chronyd -Q / ntpprobe = $(ratio "$e_chq_med" "$e_probe_med")x (goal: >= 1x); ntpdig and chronyd print 1 us steps"
} | tee "$out_dir/probe.txt"
finish >/dev/null
