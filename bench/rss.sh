#!/usr/bin/env bash
# Benchmark: the NTP process's memory, sntpd next to chronyd in the same run.
#
#   bench/rss.sh [CLIENTS]      distinct client addresses, default 10000
#
# In a private user + network namespace, each server in turn serves
# 127.0.0.1:123: sntpd (--clock simulated --local-stratum 10, no --http), the
# same with --http 127.0.0.1:8080, and chronyd (-x, local stratum 10) twice:
# clientloglimit at its default (512 KiB) and at the bytes of sntpd's client
# table at most (16384 x 60).  For each: VmRSS and VmHWM of the NTP process
# (/proc/PID/status) idle, 2 s after it answers, and after CLIENTS distinct
# source addresses (127.1.x.y, ntp_loadgen --clients) sent 2 requests each;
# then the ratio sntpd/chronyd.  With --http, also the web process (sntpd's
# child sntpd-web) idle and under the attacks of tests/adversarial/http_attacks.sh
# (tests/adversarial/http_attacker.py); when there is no such child, sntpd
# serves HTTP itself and its own figures under the attacks are printed instead.
# The table goes to bench/out/rss.txt.
set -euo pipefail
source "$(dirname "$0")/../tests/interop/lib.sh"
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
clients=${1:-10000}
LOAD=$BIN/ntp_loadgen
out_dir="$REPO/bench/out"
mkdir -p "$out_dir"

# chronyd's client log given the most memory sntpd's client table takes (16384 clients of 56 + 4 bytes).
CHRONY_16K_BYTES=$((16384 * 60))

web_child() { pgrep -P "$1" -x sntpd-web || true; }

declare -A R
measure() {  # NAME PID: idle, then after the clients
  local name=$1 pid=$2
  sleep 2
  R[$name.rss_idle]=$(kb "$pid" VmRSS)
  R[$name.hwm_idle]=$(kb "$pid" VmHWM)
  run=$("$LOAD" load 127.0.0.1:123 --rate "$clients" --duration 2 --clients "$clients")
  R[$name.answered]=$(jq -r .answered <<<"$run")
  R[$name.rss_clients]=$(kb "$pid" VmRSS)
  R[$name.hwm_clients]=$(kb "$pid" VmHWM)
  R[$name.anon_clients]=$(kb "$pid" RssAnon)
  R[$name.file_clients]=$(kb "$pid" RssFile)
}
stop() {
  kill "$1"
  wait "$1" 2>/dev/null || true
  sleep 0.5
}

start_sntpd sntpd --listen 127.0.0.1:123 --clock simulated --local-stratum 10
pid=$LAST_PID
wait_for_ntp 127.0.0.1:123
measure sntpd "$pid"
stop "$pid"

start_sntpd sntpd_http --listen 127.0.0.1:123 --clock simulated --local-stratum 10 --http 127.0.0.1:8080
pid=$LAST_PID
wait_for_ntp 127.0.0.1:123
measure sntpd_http "$pid"
web=$(web_child "$pid")
web_note=""
if [ -n "$web" ]; then
  R[web.rss_idle]=$(kb "$web" VmRSS)
  R[web.hwm_idle]=$(kb "$web" VmHWM)
else
  web_note="no sntpd-web child: sntpd serves HTTP itself; the web process's own figures are skipped"
fi
echo "== the HTTP attacks of tests/adversarial/http_attacks.sh (about 45 s)"
python3 "$REPO/tests/adversarial/http_attacker.py" "$pid" 123 8080 >"$WORK/attack.json" 2>"$WORK/attack.log" || true
R[attack.ntp_hwm]=$(jq .after.VmHWM "$WORK/attack.json")
R[attack.web_hwm]=$(jq '[.web[]] | max' "$WORK/attack.json")
R[attack.web_pids]=$(jq '.web | length' "$WORK/attack.json")
R[attack.ntp]=$(jq -r '([.ntp[][0]] | add) as $s | ([.ntp[][1]] | add) as $a | "\($a) of \($s)"' "$WORK/attack.json")
stop "$pid"

# chronyd twice: its default client log, and one given the memory of sntpd's table.
for name in chronyd chronyd_16k; do
  limit=()
  [ "$name" = chronyd_16k ] && limit=("clientloglimit $CHRONY_16K_BYTES")
  chronyd_server "$name" 123 -- "allow 127.0.0.0/8" "local stratum 10" "${limit[@]}"
  pid=$LAST_PID
  wait_for_ntp 127.0.0.1:123
  measure "$name" "$pid"
  stop "$pid"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0 || a == "") print "-"; else printf "%.2f", a / b }'; }
{
  echo "lansync bench/rss.sh, $(date -u +%Y-%m-%dT%H:%MZ), $clients clients, $(chronyd -v | head -n 1 | cut -d" " -f1-4)"
  echo "sntpd: --clock simulated, --max-clients at its default (16384, at most 60 bytes each)"
  echo "chronyd: -x, clientloglimit at its default (524288 bytes)"
  echo "chr 16k: chronyd -x, clientloglimit $CHRONY_16K_BYTES (the bytes of sntpd's table)"
  echo
  printf '%-34s %7s %7s %7s %7s %9s %9s %9s\n' "NTP process (kB)" sntpd "+http" chronyd "chr 16k" \
    "sntpd/chr" "http/chr" "sntpd/16k"
  row() {
    printf '%-34s %7s %7s %7s %7s %9s %9s %9s\n' "$1" "${R[sntpd.$2]}" "${R[sntpd_http.$2]}" "${R[chronyd.$2]}" \
      "${R[chronyd_16k.$2]}" "$(ratio "${R[sntpd.$2]}" "${R[chronyd.$2]}")" \
      "$(ratio "${R[sntpd_http.$2]}" "${R[chronyd.$2]}")" "$(ratio "${R[sntpd.$2]}" "${R[chronyd_16k.$2]}")"
  }
  row "VmRSS idle" rss_idle
  row "VmHWM idle" hwm_idle
  row "VmRSS after $clients clients" rss_clients
  row "VmHWM after $clients clients" hwm_clients
  row "  of which RssAnon (its own heap)" anon_clients
  row "  of which RssFile (binary, libs)" file_clients
  row "answered (share of requests)" answered
  echo
  if [ -n "$web_note" ]; then
    echo "web process: $web_note"
    echo "sntpd --http under the attacks: NTP process VmHWM ${R[attack.ntp_hwm]} kB" \
      "($(ratio "${R[attack.ntp_hwm]}" "${R[chronyd.hwm_clients]}")x chronyd's after the clients);" \
      "NTP answered ${R[attack.ntp]}"
  else
    echo "web process (sntpd-web): VmRSS idle ${R[web.rss_idle]} kB, VmHWM idle ${R[web.hwm_idle]} kB"
    echo "under the attacks: web VmHWM ${R[attack.web_hwm]} kB (highest over ${R[attack.web_pids]} pid(s));" \
      "NTP process VmHWM ${R[attack.ntp_hwm]} kB; NTP answered ${R[attack.ntp]}"
  fi
} | tee "$out_dir/rss.txt"
finish >/dev/null
