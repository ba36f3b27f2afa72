#!/usr/bin/env bash
# An offline day as one picture: the |offset| of several runs of a simulation scenario over the
# same stretch (e.g. the server lost for 24 h in tests/sim/temp_outage_24h*), on a log scale, one
# line a run, as SVG on stdout.  The runs are the directories bench/discipline.sh keeps
# (OUT/runs/SCENARIO/DAEMON-seedN: clknetsim's log.offset.gz, a line a simulated second, and the
# daemon's node in figures).
#
#   bench/offline_day.sh FROM_S UNTIL_S OUTAGE_FROM_S OUTAGE_UNTIL_S TITLE LABEL=RUN_DIR... > day.svg
#
# e.g., after bench/discipline.sh runs temp_outage_24h, its _sensor and its _pps variants:
#   bench/offline_day.sh 176400 270000 180000 266400 "..." \
#     "chronyd=bench/out/d/runs/temp_outage_24h/chronyd-seed1" \
#     "sntpd=bench/out/d/runs/temp_outage_24h/sntpd-seed1" ...
set -euo pipefail
[ $# -ge 6 ] || { echo "usage: $0 FROM_S UNTIL_S OUTAGE_FROM_S OUTAGE_UNTIL_S TITLE LABEL=RUN_DIR..." >&2; exit 2; }
from=$1 until=$2 out_from=$3 out_until=$4 title=$5
shift 5
labels=() files=() nodes=()
for arg in "$@"; do
  dir=${arg#*=}
  [ -s "$dir/log.offset.gz" ] || { echo "$0: no $dir/log.offset.gz" >&2; exit 1; }
  node=$(cat "$dir/figures" "$dir/figures.incomplete" 2>/dev/null | awk '$1 == "daemon_node" { print $2; exit }' || true)
  labels+=("${arg%%=*}") files+=("$dir/log.offset.gz") nodes+=("${node:-2}")
done
for i in "${!files[@]}"; do
  zcat "${files[$i]}" | awk -v k="$i" -v d="${nodes[$i]}" -v a="$from" -v b="$until" \
    'NR > a && NR <= b { o = $d - $1; print k, NR, (o < 0 ? -o : o) }'
done | awk -v title="$title" -v from="$from" -v until="$until" -v of="$out_from" -v ou="$out_until" \
  -v names="$(IFS="|"; echo "${labels[*]}")" '
  function y(v) { if (v < 1e-6) v = 1e-6; return 30 + (top - log(v) / log(10)) / (top + 6) * 250 }
  function x(t) { return 70 + (t - from) / (until - from) * 680 }
  { b = int(($2 - from - 1) * 400 / (until - from)); if ($3 > m[$1, b]) m[$1, b] = $3; if ($3 > big) big = $3
    if ($1 + 1 > runs) runs = $1 + 1 }
  END {
    top = int(log(big) / log(10) + 0.999999); if (top < -3) top = -3
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"340\" font-family=\"sans-serif\" font-size=\"11\">\n"
    printf "<rect width=\"800\" height=\"340\" fill=\"white\"/>\n<text x=\"70\" y=\"18\" font-size=\"13\">%s</text>\n", title
    printf "<rect x=\"%.1f\" y=\"30\" width=\"%.1f\" height=\"250\" fill=\"#f2f2f2\"/>\n", x(of), x(ou) - x(of)
    split("1 µs,10 µs,100 µs,1 ms,10 ms,100 ms,1 s,10 s", label, ",")
    for (e = -6; e <= top; e++) {
      printf "<line x1=\"70\" x2=\"750\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", y(10 ^ e), y(10 ^ e)
      printf "<text x=\"64\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", y(10 ^ e) + 4, label[e + 7]
    }
    for (h = 0; of + h * 3600 <= until; h += 4)
      printf "<text x=\"%.1f\" y=\"298\" text-anchor=\"middle\">%d h</text>\n", x(of + h * 3600), h
    split("#1f77b4,#ff7f0e,#d62728,#2ca02c,#9467bd,#8c564b", color, ","); split(names, name, "|")
    for (k = 0; k < runs; k++) {
      printf "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.2\" points=\"", color[k + 1]
      for (b = 0; b < 400; b++) if ((k, b) in m) printf "%.1f,%.1f ", x(from + (b + 0.5) * (until - from) / 400), y(m[k, b])
      printf "\"/>\n<text x=\"%d\" y=\"318\" fill=\"%s\">%s</text>\n", 70 + k * 130, color[k + 1], name[k + 1]
    }
    printf "<text x=\"70\" y=\"334\" fill=\"#666\">|offset| from true time, largest per %d s; grey: the server unreachable; hours from its loss</text>\n", (until - from) / 400
    print "</svg>"
  }'
