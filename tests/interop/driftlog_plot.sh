#!/usr/bin/env bash
# driftlog plot, rendered by headless Chromium and checked in the screenshot:
# the axes and their labels are there, a dot per good sample where its time and
# offset put it, the fitted red line through them on both sides of a step
# whose height matches the data, and an orange cross at each failed sample.
# The screenshot stays in tests/out/driftlog_plot/ for a person to look at.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
command -v chromium >/dev/null || { echo "SKIP: chromium is not installed (scripts/install-deps.sh --test)"; exit $SKIP; }
OUT=${LANSYNC_TEST_OUT:-$REPO/tests/out}/driftlog_plot
mkdir -p "$OUT"

# 51 samples 20 s apart, offset 2 ms + 20 us/s (the local clock 20 ppm slow),
# the clock set 10 ms back at 500 s, the measurements at 300 s and 700 s failed.
awk 'BEGIN {
  print "time_utc,elapsed_s,source,offset_s,delay_s,status"
  for (i = 0; i <= 50; i++) {
    t = 20 * i; o = 0.002 + 20e-6 * t + (t >= 500 ? 0.010 : 0)
    if (t == 300 || t == 700) printf "2026-01-01T00:00:00.000000Z,%.6f,ntp:test,,,timeout\n", t
    else printf "2026-01-01T00:00:00.000000Z,%.6f,ntp:test,%.9f,0.0003,ok\n", t, o
  }
}' >"$OUT/run.csv"
ok_times=$(awk -F, 'NR > 1 && $6 == "ok" { printf "%s%s", sep, $2; sep = "," }' "$OUT/run.csv")

run_capture report "$BIN/driftlog" analyze --json "$OUT/run.csv"
check "the data: drift -20 ppm, one step of +10 ms at 500 s" \
  [ "$(jq -r '[(.drift_ppm * 1000 | round), (.steps[0].step_s * 1e6 | round), .steps[0].at_s] | join(" ")' <<<"$report")" = "-20000 10000 500" ]

run_capture svg "$BIN/driftlog" plot "$OUT/run.csv"
check "plot: exit 0" [ "$RC" -eq 0 ]
echo "$svg" >"$OUT/drift.svg"
check "plot: an SVG document" grep -q '^<svg xmlns="http://www.w3.org/2000/svg" width="900" height="540"' "$OUT/drift.svg"
check "plot: the time axis in minutes" grep -q "time since the start (min)" "$OUT/drift.svg"
check "plot: the offset axis in milliseconds" grep -q "offset: reference − local clock (ms)" "$OUT/drift.svg"

rm -f "$OUT/drift.png"
timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
  --user-data-dir="$WORK/chromium" --screenshot="$OUT/drift.png" --window-size=900,540 \
  "file://$OUT/drift.svg" >"$WORK/chromium.log" 2>&1 || true
check "chromium: a screenshot ($OUT/drift.png)" [ -s "$OUT/drift.png" ]
if [ -s "$OUT/drift.png" ]; then
  if python3 "$REPO/tests/support/plot_pixels.py" "$OUT/drift.png" "$ok_times" 300,700 500 0.010 20e-6 \
    >"$WORK/pixels.log" 2>&1; then
    pass "the screenshot shows the data as it is"
  else
    failed "the screenshot does not show the data as it is"
  fi
  sed 's/^/      /' "$WORK/pixels.log"
fi

finish
