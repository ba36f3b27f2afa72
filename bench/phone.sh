#!/usr/bin/env bash
# Benchmark: how close to the phone's clock the phone page leaves sntpd.
#
#   bench/phone.sh [RUNS]       RUNS defaults to 8
#
# Inside a private user + network namespace, RUNS times: an sntpd whose
# simulated clock starts at a random offset (2 to 30 s either way) serves the
# page; headless Chromium (tests/browser/phone.mjs) opens it and the page sets
# the clock.  The residual is the simulated clock minus this machine's clock
# right afterwards (sntpd status: clock.simulated_offset_s), the bound the
# uncertainty sntpd recorded (half the round trip); then GET /time against the
# browser's clock, as the test checks it.  Prints a table; writes it to
# bench/out/phone.txt too.
set -euo pipefail
source "$(dirname "$0")/../tests/interop/lib.sh"
enter_private_netns "$@"
runs=${1:-8}
out_dir="$REPO/bench/out"
mkdir -p "$out_dir"

{
  echo "run  start_s   residual_ms  bound_ms  time_minus_browser_ms  delay_ms"
  for i in $(seq "$runs"); do
    offset=$(random_offset)
    start_sntpd "pi$i" --listen 127.0.0.1:0 --clock simulated --simulated-offset="$offset" \
      --http "127.0.0.1:$((8200 + i))" --http-set-allow 127.0.0.1 --state "$WORK/state$i.json" --activity-log ""
    pid=$LAST_PID
    wait_for_log "pi$i" "http: serving on"
    report=$(timeout 90 node "$REPO/tests/browser/phone.mjs" "http://127.0.0.1:$((8200 + i))/" "$WORK/shot$i.png" \
      --profile "$WORK/chromium$i")
    status=$("$BIN/sntpd" status --json --control "$WORK/pi$i.sock")
    kill "$pid"
    awk -v i="$i" -v o="$offset" -v r="$(jq .clock.simulated_offset_s <<<"$status")" \
      -v u="$(jq .uncertainty_s "$WORK/state$i.json")" -v d="$(jq .time.diff_ms <<<"$report")" \
      -v dl="$(jq .time.delay_ms <<<"$report")" \
      'BEGIN { printf "%3d  %+8.3f  %+11.3f  %8.3f  %+21.3f  %8.1f\n", i, o, r * 1000, u * 1000, d, dl }'
  done
} | tee "$WORK/table.txt"
awk 'NR > 1 { r = $3 < 0 ? -$3 : $3; t = $5 < 0 ? -$5 : $5; if (r > mr) mr = r; if (t > mt) mt = t
              if (r <= $4) within++; n++ }
     END { printf "max |residual| %.3f ms, %d of %d within their bound; max |time - browser| %.3f ms\n", mr, within, n, mt }' \
  "$WORK/table.txt" | tee -a "$WORK/table.txt"
cp "$WORK/table.txt" "$out_dir/phone.txt"
