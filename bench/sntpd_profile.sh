#!/usr/bin/env bash
# Benchmark: where sntpd's and chronyd's CPU goes, reply by reply, at 100 k requests/s.
#
#   bench/sntpd_profile.sh [SECONDS]    seconds of profile per server, default 3
#
# Each server in turn serves 127.0.0.1:123 in a private namespace, pinned to
# CPU 0, while ntp_loadgen sends 100 k requests/s from CPU 1, as in
# bench/sntpd.sh.  perf samples the server (cpu-clock, kernel and user space,
# call graphs).  For each server the script prints its CPU per reply (taken
# while perf samples it) and the share of its samples spent:
#   - in its own code (user space, libc's wrappers included);
#   - in each system call it makes (sendmsg, recvmmsg or recvmsg, poll or select);
#   - across those, in the kernel work a loopback puts on the sender: the
#     client's side of the network stack run inside the send (net_rx_action),
#     waking the client on the other CPU (sock_def_readable: in a virtual
#     machine its inter-processor interrupt exits to the host), and the
#     server's own sleep and wake-up between requests
#     (schedule_hrtimeout_range_clock).
# Needs perf (Debian's linux-perf) allowed to sample the kernel:
# kernel.perf_event_paranoid at 1 or below.
set -euo pipefail
source "$(dirname "$0")/../tests/interop/lib.sh"
source "$(dirname "$0")/cpu.sh"
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
if [ "$paranoid" -gt 1 ]; then
  echo "bench/sntpd_profile.sh: perf may not sample the kernel (kernel.perf_event_paranoid is $paranoid);" \
    "as root: sysctl kernel.perf_event_paranoid=1" >&2
  exit 1
fi
command -v perf >/dev/null || { echo "bench/sntpd_profile.sh: needs perf (scripts/install-deps.sh --bench)" >&2; exit 1; }
enter_private_netns "$@"
seconds=${1:-3}
[ "$(nproc)" -ge 2 ] || { echo "bench/sntpd_profile.sh needs 2 CPUs (server and load on one each)"; exit 1; }

# share REPORT REGEX: the largest inclusive share (children) of the kernel
# symbols matching REGEX; the symbols of one path nest, so the largest is the path.
share() { awk -v re="$2" '$3 == "[k]" && $4 ~ re { v = $1 + 0; if (v > m) m = v } END { printf "%.1f", m }' "$1"; }
# user REPORT: the samples taken in user space (the self shares of every [.] symbol).
user() { awk '$3 == "[.]" { s += $2 + 0 } END { printf "%.1f", s }' "$1"; }

mkdir -p "$REPO/bench/out"
declare -A R
for server in sntpd chronyd; do
  case "$server" in
    sntpd) start sntpd taskset -c 0 "$BIN/sntpd" --user root --control "$WORK/sntpd.sock" \
      --listen 127.0.0.1:123 --local-stratum 10 ;;
    chronyd) chronyd_server chronyd 123 taskset -c 0 -- "allow 127.0.0.0/8" "local stratum 10" ;;
  esac
  pid=$LAST_PID
  wait_for_ntp 127.0.0.1:123
  t0=$(cpu_ticks "$pid")
  taskset -c 1 "$BIN/ntp_loadgen" load 127.0.0.1:123 --rate 100000 --duration $((seconds + 2)) >"$WORK/load.json" &
  loader=$!
  sleep 1  # into the load's steady state (the load runs a second longer on each side)
  perf record -q -e cpu-clock -F 4000 -g -p "$pid" -o "$WORK/$server.data" -- sleep "$seconds" 2>/dev/null
  wait "$loader"
  t1=$(cpu_ticks "$pid")
  R[$server.cpu]=$(us_per_reply $((t1 - t0)) "$(jq .valid "$WORK/load.json")")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  report=$WORK/$server.report
  perf report -i "$WORK/$server.data" --children --sort sym -g none --stdio 2>/dev/null | grep '%' >"$report"
  R[$server.user]=$(user "$report")
  R[$server.send]=$(share "$report" '^__((x64|arm64)_)?sys_sendm?msg$')
  R[$server.recv]=$(share "$report" '^__((x64|arm64)_)?sys_recvm?msg$')
  R[$server.wait]=$(share "$report" '^__((x64|arm64)_)?sys_(poll|ppoll|select|pselect6)$')
  R[$server.rx]=$(share "$report" '^net_rx_action$')
  R[$server.wake]=$(share "$report" '^sock_def_readable$')
  R[$server.sleep]=$(share "$report" '^schedule_hrtimeout_range_clock$')
  sleep 0.5
done

{
  echo "lansync bench/sntpd_profile.sh, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, server on CPU 0," \
    "load (100 k/s) on CPU 1, $seconds s of samples each"
  echo
  printf '%-52s %9s %9s\n' "" sntpd chronyd
  row() { printf '%-52s %9s %9s\n' "$1" "${R[sntpd.$2]}" "${R[chronyd.$2]}"; }
  row "server CPU per reply (us)" cpu
  row "share of samples (%): own code, user space" user
  row "  sending (sendmsg, sendmmsg)" send
  row "  receiving (recvmmsg, recvmsg)" recv
  row "  waiting (poll, select)" wait
  row "  of these: the client's receive path (net_rx_action)" rx
  row "            waking the client (sock_def_readable)" wake
  row "            the server's own sleep and wake-up" sleep
} | tee "$REPO/bench/out/sntpd_profile.txt"
