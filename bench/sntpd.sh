#!/usr/bin/env bash
# Benchmark: sntpd next to chronyd, same machine, same load, same run.
#
#   bench/sntpd.sh [SECONDS [ROUNDS]]   SECONDS per load step, default 5; ROUNDS, default 3
#
# Each server in turn serves 127.0.0.1:123 in a private namespace, pinned to
# CPU 0; the load generator (bench/loadgen.cpp, built as ntp_loadgen) runs on
# CPU 1.  The two take turns ROUNDS times and each figure is the median of its
# rounds: on a shared machine a neighbour's burst moved one server's figures by
# a third in a single turn.  For each server:
#   - CPU per reply at 100 k requests/s (utime + stime of the server, /proc);
#   - the highest rate answered at 99 % or more (steps of 50 k/s);
#   - |offset| a careful client measures (one request at a time, T1 just
#     before the send, kernel T4; client and server on one clock, so the true
#     offset is 0): median and p99, idle and under 50 k requests/s, and how
#     many replies were out of order (|offset| > delay/2: a transmit time
#     claimed after the reply arrived, or a receive time before the request
#     left);
#   - resident memory after 10 000 distinct clients (source addresses 127.1.x.y):
#     RSS as ps shows it (it counts every page of libc it maps), the private
#     part the server itself allocated (RssAnon), and PSS.
# Prints a table with ratios and writes it to bench/out/sntpd.txt.
set -euo pipefail
source "$(dirname "$0")/../tests/interop/lib.sh"
source "$(dirname "$0")/cpu.sh"
enter_private_netns "$@"
step_s=${1:-5}
rounds=${2:-3}
LOAD=$BIN/ntp_loadgen
out_dir="$REPO/bench/out"
mkdir -p "$out_dir"
[ "$(nproc)" -ge 2 ] || { echo "bench/sntpd.sh needs 2 CPUs (server and load on one each)"; exit 1; }

rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
anon_kb() { awk '$1 == "RssAnon:" { print $2 }' "/proc/$1/status"; }
pss_kb() { awk '$1 == "Pss:" { print $2 }' "/proc/$1/smaps_rollup"; }
field() { jq -r ".$1" <<<"$2"; }

start_server() {  # NAME ROUND -> sets SERVER_PID
  case "$1" in
    sntpd) start_sntpd "sntpd$2" taskset -c 0 "$BIN/sntpd" --listen 127.0.0.1:123 --local-stratum 10 ;;
    chronyd) chronyd_server "chronyd$2" 123 taskset -c 0 -- "allow 127.0.0.0/8" "local stratum 10" ;;
  esac
  SERVER_PID=$LAST_PID
  wait_for_ntp 127.0.0.1:123
}
# start_sntpd adds its own options before ours: put taskset in front.
start_sntpd() {
  local name=$1
  shift
  local prefix=()
  while [ "$1" != "$BIN/sntpd" ]; do prefix+=("$1"); shift; done
  shift
  start "$name" "${prefix[@]}" "$BIN/sntpd" --user root --control "$WORK/$name.sock" "$@"
}

declare -A R
for round in $(seq "$rounds"); do
for server in sntpd chronyd; do
  start_server "$server" "$round"
  pid=$SERVER_PID

  idle=$(taskset -c 1 "$LOAD" probe 127.0.0.1:123 --count 2000 --interval-ms 1)
  R[$server.idle_p50.$round]=$(field offset_us_p50 "$idle")
  R[$server.idle_p99.$round]=$(field offset_us_p99 "$idle")
  R[$server.idle_ooo.$round]=$(field out_of_order "$idle")

  t0=$(cpu_ticks "$pid")
  run=$(taskset -c 1 "$LOAD" load 127.0.0.1:123 --rate 100000 --duration "$step_s")
  t1=$(cpu_ticks "$pid")
  R[$server.cpu_us.$round]=$(us_per_reply $((t1 - t0)) "$(field valid "$run")")
  R[$server.ans100k.$round]=$(field answered "$run")

  taskset -c 1 "$LOAD" load 127.0.0.1:123 --rate 50000 --duration $((step_s + 2)) >"$WORK/bg.json" &
  loader=$!
  sleep 0.5
  busy=$(taskset -c 1 "$LOAD" probe 127.0.0.1:123 --count 1000 --interval-ms 4)
  wait "$loader"
  R[$server.busy_p50.$round]=$(field offset_us_p50 "$busy")
  R[$server.busy_p99.$round]=$(field offset_us_p99 "$busy")
  R[$server.busy_ooo.$round]=$(field out_of_order "$busy")

  max=0
  for rate in 100000 150000 200000 250000 300000 350000 400000; do
    run=$(taskset -c 1 "$LOAD" load 127.0.0.1:123 --rate "$rate" --duration "$step_s")
    awk -v a="$(field answered "$run")" 'BEGIN { exit !(a >= 0.99) }' || break
    max=$rate
  done
  R[$server.max.$round]=$max

  taskset -c 1 "$LOAD" load 127.0.0.1:123 --rate 20000 --duration 2 --clients 10000 >/dev/null
  R[$server.rss.$round]=$(rss_kb "$pid")
  R[$server.pss.$round]=$(pss_kb "$pid")
  R[$server.anon.$round]=$(anon_kb "$pid")

  kill "$pid"
  wait "$pid" 2>/dev/null || true
  sleep 0.5
done
done

# The median of a figure over the rounds: med SERVER.FIGURE
med() {
  local r
  for r in $(seq "$rounds"); do echo "${R[$1.$r]}"; done | sort -g |
    awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }
{
  echo "lansync bench/sntpd.sh, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, server on CPU 0, load on CPU 1,"
  echo "medians of $rounds rounds of $step_s s steps"
  echo
  printf '%-44s %12s %12s %10s\n' "" sntpd chronyd "sntpd/chronyd"
  row() {
    local a b
    a=$(med "sntpd.$2")
    b=$(med "chronyd.$2")
    printf '%-44s %12s %12s %10s\n' "$1" "$a" "$b" "$(ratio "$a" "$b")"
  }
  row "server CPU per reply at 100 k/s (us)" cpu_us
  row "answered at 100 k/s" ans100k
  row "highest rate answered >= 99 % (req/s)" max
  row "|offset| idle, median (us)" idle_p50
  row "|offset| idle, p99 (us)" idle_p99
  row "|offset| under 50 k/s, median (us)" busy_p50
  row "|offset| under 50 k/s, p99 (us)" busy_p99
  row "replies out of order, idle (of 2000)" idle_ooo
  row "replies out of order, under 50 k/s (of 1000)" busy_ooo
  row "RSS after 10 000 clients (kB)" rss
  row "  of which private (RssAnon, kB)" anon
  row "  PSS, shared pages divided (kB)" pss
} | tee "$out_dir/sntpd.txt"
finish >/dev/null
