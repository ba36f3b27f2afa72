#!/usr/bin/env bash
# Benchmark: sntpd's clock discipline next to chronyd's, in clknetsim's simulation (chrony's
# simulator; simulated clocks and network only, nothing of this machine's is touched).  Runs the
# scenarios of the simulation tests (tests/sim/*.sh, tests/sim/lib.sh has the set-up) at more
# seeds and, if asked, longer runs; prints a Markdown table of the medians over the seeds (RMS
# and maximum offset, RMS frequency error, requests, time to the first |offset| < 1 ms, sntpd's
# and chronyd's and their ratio; the largest |offset| in a scenario's window, such as an outage and
# the hour after it; the honesty check's replies outside their bound) and draws, for the first
# seed of each scenario, both daemons' |offset| over time as an SVG.  The scenarios for the bench
# only (days of simulated time a run, the comparisons without a sensor and with chronyd's
# tempcomp: tests/sim/thermal.sh; the tests skip them) run too: LANSYNC_SIM_BENCH=1.  A
# scenario that skips (77) is listed under the table; one that reports no figures (thermal_alignment, a
# check of the tier itself) has no row.
#
#   bench/discipline.sh [OUT_DIR] [--seeds N] [--length SECONDS] [--scenarios "NAME..."]
#
# OUT_DIR (default bench/out/discipline) receives discipline.md (the table), NAME.svg, NAME.log
# (the scenario's own tables and judgement at these seeds) and runs/ (every run, as the tests
# keep them).  Defaults: 18 seeds, 40 000 simulated s per run, every scenario.  Build first
# (scripts/build.sh); clknetsim is built as the tests build it, into build/clknetsim.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out/discipline seeds=18 length=40000 scenarios=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --length) length=$2; shift 2 ;;
    --scenarios) scenarios=$2; shift 2 ;;
    -*) echo "discipline.sh: unknown option $1" >&2; exit 2 ;;
    *) out=$1; shift ;;
  esac
done
if [ -z "$scenarios" ]; then  # every test: a script with a #! line (lib.sh and thermal.sh are sourced)
  for f in tests/sim/*.sh; do [ "$(head -c 2 "$f")" != "#!" ] || scenarios+=" $(basename "$f" .sh)"; done
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
: >"$out/figures.txt"
export LANSYNC_SIM_SEEDS LANSYNC_SIM_LENGTH_S=$length LANSYNC_SIM_RUNS=$out/runs LANSYNC_SIM_REPORT=$out/figures.txt \
  LANSYNC_SIM_BENCH=1
LANSYNC_SIM_SEEDS=$(seq -s ' ' "$seeds")
export LANSYNC_SIM_BUILD=${LANSYNC_SIM_BUILD:-$PWD/build/clknetsim}

# median_of SCENARIO DAEMON FIGURE: the median over the seeds (of -1, "never", as the latest).
median_of() {
  awk -v s="$1" -v d="$2" -v f="$3" '$1 == s && $2 == d && $4 == f { print ($5 < 0 && f == "first_1ms") ? 1e300 : $5 }' \
    "$out/figures.txt" | sort -g | awk '{ v[NR] = $1 } END { if (NR) print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# sum_of SCENARIO DAEMON FIGURE: the sum over the seeds.
sum_of() { awk -v s="$1" -v d="$2" -v f="$3" '$1 == s && $2 == d && $4 == f { t += $5 } END { print t + 0 }' "$out/figures.txt"; }

# cell SCENARIO FIGURE SCALE DECIMALS: "sntpd / chronyd | ratio (interval)" of the medians, times
# SCALE (no interval for the time to the first 1 ms, whose "never" has no ratio).
cell() {
  awk -v a="$(median_of "$1" sntpd "$2")" -v b="$(median_of "$1" chronyd "$2")" -v k="$3" -v p="$4" '
    function show(v) { if (v == "") return "-"; if (v >= 1e300) return "never"; return sprintf("%." p "f", v * k) }
    BEGIN { r = (a == "" || b == "" || b == 0) ? "-" : (a >= 1e300 ? "inf" : sprintf("%.2f", a / b))
      printf "%s / %s | %s", show(a), show(b), r }'
  [ "$2" = first_1ms ] || interval "$1" "$2"
}

# interval SCENARIO FIGURE: " (LOW-HIGH)", the 95 % interval of the ratio of the medians (sntpd's
# over chronyd's), from 2 000 resamples of the seeds, each seed's two figures drawn together (the
# same network, so their ratio varies less than either); nothing with fewer than 5 seeds or where
# chronyd's figures are all 0.
interval() {
  awk -v s="$1" -v f="$2" '
    function median(a, n,   i, j, t) {
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j > 0 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    $1 == s && $4 == f && $5 >= 0 { v[$2, $3] = $5; seen[$3] = 1 }
    END {
      for (k in seen) if ((("sntpd", k) in v) && (("chronyd", k) in v)) seed[++n] = k
      for (i = 1; i <= n; i++) if (v["chronyd", seed[i]] > 0) any = 1
      if (n < 5 || !any) exit
      srand(1)
      for (b = 1; b <= 2000; b++) {
        for (i = 1; i <= n; i++) { k = seed[int(rand() * n) + 1]; x[i] = v["sntpd", k]; y[i] = v["chronyd", k] }
        c = median(y, n); r[b] = c > 0 ? median(x, n) / c : 1e300
      }
      median(r, 2000)  # sorts r in place: its 2.5th and 97.5th percentiles are then at 51 and 1950
      printf " (%.2f-%.2f)", r[51], r[1950]
    }' "$out/figures.txt"
}

# run_figure DIR NAME: a figure of the run in DIR, whole or not.
run_figure() { cat "$1/figures" "$1/figures.incomplete" 2>/dev/null | awk -v k="$2" '$1 == k { print $2; exit }'; }

# svg TITLE FILE_SNTPD NODE_SNTPD FILE_CHRONYD NODE_CHRONYD WARMUP_S: both daemons' |offset|
# (their node's column of clknetsim's gzipped log.offset, a line a second, minus node 1's) over time, on
# a log scale from 0.1 µs, the largest of each stretch of seconds drawn (800 stretches), as SVG.
svg() {
  local a b
  a=$(zcat "$2" | wc -l) b=$(zcat "$4" | wc -l)
  awk -v title="$1" -v ds="$3" -v dc="$5" -v warmup="$6" -v n=$((a > b ? a : b)) '
    function y(v) { return 30 + (top - log(v) / log(10)) / (top + 7) * 250 }
    function x(t) { return 70 + t / n * 680 }
    FNR == 1 { f++ }
    { d = f == 1 ? ds : dc; o = $d - $1; if (o < 0) o = -o; if (o < 1e-7) o = 1e-7
      b = int((FNR - 1) * 800 / n); if (o > m[f, b]) m[f, b] = o; if (o > big) big = o }
    END {
      top = int(log(big) / log(10) + 0.999999); if (top < -3) top = -3
      printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"330\" font-family=\"sans-serif\" font-size=\"11\">\n"
      printf "<rect width=\"800\" height=\"330\" fill=\"white\"/>\n<text x=\"70\" y=\"18\" font-size=\"13\">%s</text>\n", title
      split("0.1 µs,1 µs,10 µs,100 µs,1 ms,10 ms,100 ms,1 s,10 s,100 s,1000 s", label, ",")
      for (e = -7; e <= top; e++) {
        printf "<line x1=\"70\" x2=\"750\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", y(10 ^ e), y(10 ^ e)
        printf "<text x=\"64\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", y(10 ^ e) + 4, label[e + 8]
      }
      for (step = 1000; n / step > 10; ) step = step * (step ~ /^[15]/ ? 2 : 2.5)
      for (t = 0; t <= n; t += step)
        printf "<text x=\"%.1f\" y=\"298\" text-anchor=\"middle\">%d s</text>\n", x(t), t
      printf "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"30\" y2=\"280\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n", x(warmup), x(warmup)
      split("#d62728,#1f77b4", color, ","); split("sntpd,chronyd", name, ",")
      for (f = 1; f <= 2; f++) {
        printf "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1\" points=\"", color[f]
        for (b = 0; b < 800; b++) if ((f, b) in m) printf "%.1f,%.1f ", x((b + 0.5) * n / 800), y(m[f, b])
        printf "\"/>\n<text x=\"%d\" y=\"318\" fill=\"%s\">%s</text>\n", 70 + (f - 1) * 80, color[f], name[f]
      }
      printf "<text x=\"250\" y=\"318\" fill=\"#666\">|offset| from the server, largest per %d s; dashed: end of warm-up</text>\n", n / 800
      print "</svg>"
    }' <(zcat "$2") <(zcat "$4")
}

declare -A verdict
skipped=()
for name in $scenarios; do
  echo "== $name: $seeds seeds of $length s (log: $out/$name.log)"
  rc=0
  bash "tests/sim/$name.sh" >"$out/$name.log" 2>&1 || rc=$?
  case $rc in
    0) verdict[$name]=passed ;;
    77) skipped+=("$name: $(grep -m 1 '^SKIP' "$out/$name.log")"); echo "   ${skipped[-1]}" ;;
    *) verdict[$name]=failed ;;
  esac
done
[ "${#skipped[@]}" -lt "$(wc -w <<<"$scenarios")" ] || exit 77  # nothing ran (no clknetsim, no chronyd)

{
  echo "sntpd / chronyd: medians over seeds $LANSYNC_SIM_SEEDS, $length simulated s per run, offsets and"
  echo "frequency after $((length / 2 < 2000 ? length / 2 : 2000)) s (drift_restart: from the start); requests over the whole run;"
  echo "×: sntpd's median over chronyd's, with its 95 % interval over resampled seeds.  honesty:"
  echo "synchronized replies outside their stated bound, summed"
  echo "over the seeds.  test: the scenario's own judgement at these seeds."
  echo
  echo "| scenario | RMS offset (µs) | × | max offset (µs) | × | RMS freq. error (ppm) | × | requests | × | to < 1 ms (s) | × | max offset in window (µs) | × | honesty, outside | test |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  for name in $scenarios; do
    grep -q "^$name sntpd " "$out/figures.txt" || continue  # skipped, or no figures
    echo "| $name | $(cell "$name" rms_offset 1e6 1) | $(cell "$name" max_offset 1e6 1) | $(cell "$name" rms_freq 1 3)" \
      "| $(cell "$name" requests 1 0) | $(cell "$name" first_1ms 1 0) | $(cell "$name" max_offset_window 1e6 1)" \
      "| $(sum_of "$name" sntpd honest_violations) of $(sum_of "$name" sntpd honest_synchronized) /" \
      "$(sum_of "$name" chronyd honest_violations) of $(sum_of "$name" chronyd honest_synchronized) | ${verdict[$name]} |"
  done
  [ "${#skipped[@]}" -eq 0 ] || { echo; echo "Skipped:"; printf -- '- %s\n' "${skipped[@]}"; }
} | tee "$out/discipline.md"

first=${LANSYNC_SIM_SEEDS%% *}
for name in $scenarios; do
  s=$out/runs/$name/sntpd-seed$first c=$out/runs/$name/chronyd-seed$first
  if [ ! -s "$s/log.offset.gz" ] || [ ! -s "$c/log.offset.gz" ]; then
    echo "no offset log for $name, seed $first: no SVG"
    continue
  fi
  svg "$name, seed $first: sntpd (red) and chronyd (blue)" "$s/log.offset.gz" "$(run_figure "$s" daemon_node)" \
    "$c/log.offset.gz" "$(run_figure "$c" daemon_node)" "$(run_figure "$c" warmup_s)" >"$out/$name.svg"
done
echo "table: $out/discipline.md; plots: $out/*.svg"
