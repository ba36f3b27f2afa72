#!/usr/bin/env bash
# Benchmark: how close to this machine's clock camsync leaves a camera, next
# to what a naive client leaves (one PUT of the current time, truncated to the
# second, sent at once: what public CCAPI scripts do).
#
#   bench/camsync.sh [RUNS]       RUNS defaults to 20
#
# Inside a private user + network namespace, the camera emulator's clock is put
# RUNS times at a random offset (2 to 30 s either way) and set by each client;
# the error is the emulator's own clock minus this machine's right afterwards
# (/emulator/status).  Prints a table; writes it to bench/out/camsync.txt too.
set -euo pipefail
source "$(dirname "$0")/../tests/interop/lib.sh"
enter_private_netns "$@"
runs=${1:-20}
out_dir="$REPO/bench/out"
mkdir -p "$out_dir"

sync_state "$WORK/state.json" 60
camera_emulator cam 8080 --zone +0000
url=http://127.0.0.1:8080

put_offset() { curl -s -X POST -d "{\"offset_s\":$1}" "$url/emulator/state" >/dev/null; }
camera_error() { emulator_status 8080 | jq -r .offset_s; }

: >"$WORK/camsync.err"
: >"$WORK/naive.err"
: >"$WORK/meas.err"
for i in $(seq "$runs"); do
  put_offset "$(random_offset)"
  req0=$(emulator_status 8080 | jq -r .requests)
  t0=$(date +%s%N)
  out=$(TZ=UTC "$BIN/camsync" --camera "$url" --reference state --state "$WORK/state.json" --no-log --json)
  t1=$(date +%s%N)
  req1=$(emulator_status 8080 | jq -r .requests)
  err=$(camera_error)
  echo "$err $(((t1 - t0) / 1000000)) $((req1 - req0 - 1))" >>"$WORK/camsync.err"
  # camsync's own verdict after the set, against the emulator's truth.
  echo "$(jq -r .offset_after_s <<<"$out") $err $(jq -r .uncertainty_after_s <<<"$out")" >>"$WORK/meas.err"

  put_offset "$(random_offset)"
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", r / 32768 }')"  # any phase of the second
  curl -s -X PUT -d "{\"datetime\":\"$(LC_ALL=C TZ=UTC date '+%a, %d %b %Y %H:%M:%S %z')\",\"dst\":false}" \
    "$url/ccapi/ver100/functions/datetime" >/dev/null
  echo "$(camera_error)" >>"$WORK/naive.err"
done

stats() {  # column of |x| in ms: median, p95, max
  awk '{ v = $1 < 0 ? -$1 : $1; print v * 1000 }' "$1" | sort -g |
    awk '{ a[NR] = $1 } END { p = int(NR * 0.95 + 0.999); if (p > NR) p = NR; printf "%10.2f %10.2f %10.2f", a[int((NR + 1) / 2)], a[p], a[NR] }'
}
{
  echo "camera error after a set, $runs runs on loopback ($(date +%F), $(nproc) cores)"
  printf '%-34s %10s %10s %10s\n' "client" "med (ms)" "p95 (ms)" "max (ms)"
  printf '%-34s %s\n' "camsync" "$(stats "$WORK/camsync.err")"
  printf '%-34s %s\n' "naive PUT of the current second" "$(stats "$WORK/naive.err")"
  awk '{ t += $2; r += $3 } END { printf "camsync: %.1f s per run, %.0f camera requests per run\n", t / NR / 1000, r / NR }' "$WORK/camsync.err"
  awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d; if (d > $3 + 0.0005) bad++; u += $3 }
       END { printf "camsync measurement: max |said - true| %.2f ms, mean ± %.2f ms, %d of %d outside its ± (+0.5 ms)\n", m * 1000, u / NR * 1000, bad, NR }' "$WORK/meas.err"
} | tee "$out_dir/camsync.txt"
{
  echo "# per run: camsync error (s), run time (ms), requests; camsync's offset_after_s, true error, uncertainty"
  paste -d' ' "$WORK/camsync.err" "$WORK/meas.err"
} >"$out_dir/camsync-runs.txt"
finish
