#!/usr/bin/env bash
# Benchmark: server CPU time per authenticated reply, sntpd next to chronyd,
# with the same key type, the same load, in the same run.
#
#   bench/auth.sh [RATE [SECONDS]]    requests/s to each server (default 20000), seconds (default 5)
#
# Inside a private user + network namespace, sntpd (one worker) and chronyd
# serve their local clock on loopback with the same key file.  For each key
# type (none, SHA256, SHA512), bench/auth_load.py sends every request to both
# servers back to back at the paced rate; the CPU time each server used (the
# sum of its threads' /proc/PID/task/*/schedstat run time) divided by the
# replies it gave is its cost per reply.  Then bench/mac_cost.cpp times
# sntpd's MAC work alone (check the request, sign the reply) in process.
# Prints a table and writes it to bench/out/auth.txt.  bench/auth_load.py is a minimal bounded load generator
# of its own (loopback only, at most 50 000 requests/s and 30 s).
set -euo pipefail
source "$(dirname "$0")/../tests/interop/lib.sh"
enter_private_netns "$@"
rate=${1:-20000}
seconds=${2:-5}
out_dir="$REPO/bench/out"
mkdir -p "$out_dir"

K1=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
K2=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
printf '1 SHA256 HEX:%s\n2 SHA512 HEX:%s\n' $K1 $K2 >"$WORK/keys"
chmod 600 "$WORK/keys"

start_sntpd sntpd --listen 127.0.0.1:11123 --local-stratum 10 --workers 1 --keys "$WORK/keys"
sntpd_pid=$LAST_PID
chronyd_server chronyd 11124 -- "${CHRONY_SERVES[@]}" "keyfile $WORK/keys"
chronyd_pid=$LAST_PID
wait_for_ntp 127.0.0.1:11123
wait_for_ntp 127.0.0.1:11124

# /proc is the machine's, not this PID namespace's: find a server's PID there
# by its PID in our namespace (the last NSpid field) and our namespace.
host_pid() {  # NSPID
  local f hp ns
  ns=$(readlink /proc/self/ns/pid)
  for f in /proc/[0-9]*/status; do
    hp=${f#/proc/}
    hp=${hp%/status}
    [ "$(readlink "/proc/$hp/ns/pid" 2>/dev/null)" = "$ns" ] || continue
    if awk -v p="$1" '$1 == "NSpid:" && $NF == p { found = 1 } END { exit !found }' "$f" 2>/dev/null; then
      echo "$hp"
      return 0
    fi
  done
  echo "bench: cannot find PID $1 in /proc" >&2
  return 1
}
cpu_ns() {  # HOSTPID: CPU time of all its threads so far, ns
  cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%.0f\n", s }'
}
sntpd_pid=$(host_pid "$sntpd_pid")
chronyd_pid=$(host_pid "$chronyd_pid")

{
  echo "sntpd $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?') vs $(chronyd --version | head -n 1)"
  echo "load: $rate requests/s to each server for $seconds s, NTPv4, one client address"
  printf '%-8s %10s %10s %14s %14s %8s\n' key replies_s replies_c "sntpd ns/reply" "chronyd ns/reply" ratio
} >"$WORK/table.txt"
for type in none SHA256 SHA512; do
  key_id=1 key=$K1
  [ "$type" = SHA512 ] && key_id=2 key=$K2
  s0=$(cpu_ns "$sntpd_pid")
  c0=$(cpu_ns "$chronyd_pid")
  python3 "$REPO/bench/auth_load.py" --rate "$rate" --seconds "$seconds" --key-type "$type" \
    --key-id "$key_id" --key "$key" 11123 11124 >"$WORK/load.txt"
  s1=$(cpu_ns "$sntpd_pid")
  c1=$(cpu_ns "$chronyd_pid")
  rs=$(awk '$1 == 11123 { print $7 }' "$WORK/load.txt")
  rc=$(awk '$1 == 11124 { print $7 }' "$WORK/load.txt")
  sent=$(awk '$1 == 11123 { print $3 }' "$WORK/load.txt")
  awk -v t="$type" -v rs="$rs" -v rc="$rc" -v s="$((s1 - s0))" -v c="$((c1 - c0))" -v sent="$sent" 'BEGIN {
    ps = 0; pc = 0; r = 0
    if (rs > 0) ps = s / rs
    if (rc > 0) pc = c / rc
    if (pc > 0) r = ps / pc
    printf "%-8s %10d %10d %14.0f %16.0f %8.2f   (%d sent to each)\n", t, rs, rc, ps, pc, r, sent
  }' >>"$WORK/table.txt"
done
g++ -std=c++20 -O2 -I"$REPO/libsync" "$REPO/bench/mac_cost.cpp" "$BIN/../libsync/libsync.a" \
  $(pkg-config --libs libsodium) -o "$WORK/mac_cost"
"$WORK/mac_cost" >>"$WORK/table.txt"
cat "$WORK/table.txt"
cp "$WORK/table.txt" "$out_dir/auth.txt"
