#!/usr/bin/env bash
# Benchmark: server CPU time per authenticated reply, sntpd next to chronyd,
# with the same key type, the same load, in the same run.
#
#   bench/auth.sh [RATE [SECONDS]]    requests/s (default 50000), seconds per step (default 5)
#
# Inside a private user + network namespace, sntpd (one worker) and chronyd
# (-x) serve their local clock on loopback with the same key file, both
# pinned to CPU 0; the load generator (bench/loadgen.cpp, ntp_loadgen) runs
# on CPU 1.  For each key type (none, SHA256, SHA512) and each server in turn,
# ntp_loadgen sends NTPv4 requests signed with that key at RATE for SECONDS
# and counts the replies with a valid MAC by the same key; the CPU time the
# server used meanwhile (the sum of /proc/PID/task/*/schedstat over its
# threads) divided by those replies is its cost per reply.  Then
# bench/mac_cost.cpp times sntpd's MAC work alone, in process.  Prints a table
# and writes it to bench/out/auth.txt.
set -euo pipefail
source "$(dirname "$0")/../tests/interop/lib.sh"
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
rate=${1:-50000}
seconds=${2:-5}
LOAD=$BIN/ntp_loadgen
out_dir="$REPO/bench/out"
mkdir -p "$out_dir"
[ "$(nproc)" -ge 2 ] || { echo "bench/auth.sh needs 2 CPUs (servers and load on one each)"; exit 1; }

K1=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
K2=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
printf '1 SHA256 HEX:%s\n2 SHA512 HEX:%s\n' $K1 $K2 >"$WORK/keys"
chmod 600 "$WORK/keys"

start sntpd taskset -c 0 "$BIN/sntpd" --user root --control "$WORK/sntpd.sock" \
  --listen 127.0.0.1:11123 --local-stratum 10 --workers 1 --keys "$WORK/keys"
declare -A pid=([sntpd]=$LAST_PID)
chronyd_server chronyd 11124 taskset -c 0 -- "${CHRONY_SERVES[@]}" "keyfile $WORK/keys"
pid[chronyd]=$LAST_PID
declare -A port=([sntpd]=11123 [chronyd]=11124)
wait_for_ntp 127.0.0.1:11123
wait_for_ntp 127.0.0.1:11124


{
  echo "sntpd $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?') vs $(chronyd --version | head -n 1)"
  echo "load: $rate NTPv4 requests/s for $seconds s per server and key type, one client address"
  printf '%-8s %12s %12s %16s %16s %7s\n' key sntpd_valid chronyd_valid "sntpd ns/reply" "chronyd ns/reply" ratio
} >"$WORK/table.txt"
for type in none SHA256 SHA512; do
  keyopt=()
  [ "$type" = SHA256 ] && keyopt=(--keys "$WORK/keys" --key 1)
  [ "$type" = SHA512 ] && keyopt=(--keys "$WORK/keys" --key 2)
  declare -A valid=() per=()
  for server in sntpd chronyd; do
    c0=$(cpu_ns "${pid[$server]}")
    out=$(taskset -c 1 "$LOAD" load "127.0.0.1:${port[$server]}" --rate "$rate" --duration "$seconds" "${keyopt[@]}")
    c1=$(cpu_ns "${pid[$server]}")
    valid[$server]=$(jq -r .valid <<<"$out")
    per[$server]=$(awk -v c="$((c1 - c0))" -v n="${valid[$server]}" 'BEGIN { p = 0; if (n > 0) p = c / n; printf "%.0f", p }')
  done
  awk -v t="$type" -v vs="${valid[sntpd]}" -v vc="${valid[chronyd]}" -v ps="${per[sntpd]}" -v pc="${per[chronyd]}" \
    'BEGIN { r = 0; if (pc > 0) r = ps / pc; printf "%-8s %12d %12d %16d %16d %7.2f\n", t, vs, vc, ps, pc, r }' \
    >>"$WORK/table.txt"
done
g++ -std=c++20 -O2 -I"$REPO/libsync" "$REPO/bench/mac_cost.cpp" "$BIN/../libsync/libsync.a" \
  $(pkg-config --libs libsodium libcrypto) -o "$WORK/mac_cost"
"$WORK/mac_cost" >>"$WORK/table.txt"
cat "$WORK/table.txt"
cp "$WORK/table.txt" "$out_dir/auth.txt"
