#!/usr/bin/env bash
# Benchmark: NTS (RFC 8915) on the server side, sntpd next to chronyd in the same run.
#
#   bench/nts.sh [RATE [SECONDS [EXCHANGES]]]   requests/s (default 20000), seconds per step
#                                               (default 5), key exchanges (default 200)
#
# Inside a private user + network namespace, with a private CA and one server certificate
# for 127.0.0.1, sntpd (one worker, its NTS-KE helper beside it) and chronyd (-x, local
# stratum 10, its NTS-KE in its helper process) serve NTP and NTS-KE on loopback, the NTP
# processes pinned to CPU 0; the load generator (bench/loadgen.cpp, ntp_loadgen) runs on CPU 1.
# For each server in turn:
# - CPU per reply: plain NTP, then NTS (one key exchange, then every request with an identifier
#   of its own, the cookie and an authenticator), at RATE for SECONDS; the CPU time of the NTP
#   process meanwhile (the sum of /proc/PID/task/*/schedstat over its threads) divided by the
#   valid replies (NTS: only those that authenticate);
# - key exchanges per second: EXCHANGES in a row, one connection each (the client's TLS work
#   counts too, the same for both);
# - memory: VmRSS of the NTP process and of its NTS-KE helper, after all that.
# Prints a table and writes it to bench/out/nts.txt.
set -euo pipefail
source "$(dirname "$0")/../tests/interop/lib.sh"
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
rate=${1:-20000}
seconds=${2:-5}
exchanges=${3:-200}
LOAD=$BIN/ntp_loadgen
out_dir="$REPO/bench/out"
mkdir -p "$out_dir"
[ "$(nproc)" -ge 2 ] || { echo "bench/nts.sh needs 2 CPUs (servers and load on one each)"; exit 1; }

make_ca ca
make_server_cert ca server "DNS:ntp.test,IP:127.0.0.1"

declare -A pid ntp ke
ntp[sntpd]=11123
ke[sntpd]=14460
start sntpd taskset -c 0 "$BIN/sntpd" --user root --config /dev/null --drift-file "" --state "$WORK/sntpd.json" \
  --control "$WORK/sntpd.sock" --listen "127.0.0.1:${ntp[sntpd]}" --local-stratum 10 --workers 1 \
  --nts-server --nts-cert "$WORK/server.crt" --nts-key "$WORK/server.key" --nts-port "${ke[sntpd]}"
pid[sntpd]=$LAST_PID
ntp[chronyd]=11124
ke[chronyd]=14461
chronyd_server chronyd "${ntp[chronyd]}" taskset -c 0 -- "${CHRONY_SERVES[@]}" \
  "ntsserverkey $WORK/server.key" "ntsservercert $WORK/server.crt" "ntsport ${ke[chronyd]}" \
  "ntsdumpdir $WORK/chronyd-nts"
pid[chronyd]=$LAST_PID
servers=(sntpd chronyd)
for s in "${servers[@]}"; do
  wait_for_ntp "127.0.0.1:${ntp[$s]}"
  wait_until "$DEADLINE_S" bash -c "exec 3<>/dev/tcp/127.0.0.1/${ke[$s]}" ||
    { echo "bench/nts.sh: $s's NTS-KE port ${ke[$s]} never accepted a connection"; exit 1; }
done

helper_kb() {  # PID: VmRSS of its children (the NTS-KE helpers), kB
  local total=0 child
  for child in $(pgrep -P "$1" || true); do total=$((total + $(kb "$child" VmRSS 2>/dev/null || echo 0))); done
  echo "$total"
}
per_reply() {  # SERVER [LOAD OPTIONS...]: "VALID NS_PER_REPLY"
  local s=$1 c0 c1 out valid
  shift
  c0=$(cpu_ns "${pid[$s]}")
  out=$(taskset -c 1 "$LOAD" load "127.0.0.1:${ntp[$s]}" --rate "$rate" --duration "$seconds" "$@")
  c1=$(cpu_ns "${pid[$s]}")
  valid=$(jq -r .valid <<<"$out")
  awk -v c="$((c1 - c0))" -v n="$valid" 'BEGIN { p = 0; if (n > 0) p = c / n; printf "%d %.0f\n", n, p }'
}

declare -A R
for s in "${servers[@]}"; do
  read -r R[$s.plain_valid] R[$s.plain_ns] < <(per_reply "$s")
  read -r R[$s.nts_valid] R[$s.nts_ns] < <(per_reply "$s" --nts "127.0.0.1:${ke[$s]}" --nts-ca "$WORK/ca.crt")
  out=$(taskset -c 1 "$LOAD" ke "127.0.0.1:${ke[$s]}" --count "$exchanges" --nts-ca "$WORK/ca.crt")
  R[$s.ke_ok]=$(jq -r .ok <<<"$out")
  R[$s.ke_per_s]=$(jq -r .per_second <<<"$out")
  R[$s.rss]=$(kb "${pid[$s]}" VmRSS)
  R[$s.helper_rss]=$(helper_kb "${pid[$s]}")
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
{
  echo "sntpd $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?') vs $(chronyd --version | head -n 1)"
  echo "load: $rate requests/s for $seconds s per server and kind; $exchanges key exchanges in a row"
  printf '%-8s %10s %12s %10s %12s %9s %10s %10s %10s\n' server plain_ok "plain ns/rep" nts_ok "nts ns/rep" \
    "nts/plain" "KE ok" "KE/s" "RSS+KE kB"
  for s in "${servers[@]}"; do
    printf '%-8s %10d %12d %10d %12d %9s %10s %10s %5d+%-5d\n' "$s" "${R[$s.plain_valid]}" "${R[$s.plain_ns]}" \
      "${R[$s.nts_valid]}" "${R[$s.nts_ns]}" "$(ratio "${R[$s.nts_ns]}" "${R[$s.plain_ns]}")" \
      "${R[$s.ke_ok]}/$exchanges" "${R[$s.ke_per_s]}" "${R[$s.rss]}" "${R[$s.helper_rss]}"
  done
  if [ -n "${R[sntpd.nts_ns]:-}" ]; then
    echo "sntpd/chronyd: NTS CPU per reply $(ratio "${R[sntpd.nts_ns]}" "${R[chronyd.nts_ns]}")x," \
      "key exchanges per second $(ratio "${R[sntpd.ke_per_s]}" "${R[chronyd.ke_per_s]}")x," \
      "RSS of the NTP process $(ratio "${R[sntpd.rss]}" "${R[chronyd.rss]}")x"
  fi
} >"$WORK/table.txt"
cat "$WORK/table.txt"
cp "$WORK/table.txt" "$out_dir/nts.txt"
