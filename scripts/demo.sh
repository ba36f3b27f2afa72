#!/usr/bin/env bash
# The main job, end to end on one machine: install what is missing, build
# sntpd and ntpprobe (only those: scripts/test.sh builds the rest), start
# sntpd on 127.0.0.1 (an unprivileged port), query it with ntpprobe, print the
# result and stop the server.  sntpd gets files of its own under build/demo/:
# on a machine where lansync is installed, the demo never reads its config or
# sync state, nor takes its control socket.
#
#   scripts/demo.sh [PORT]        PORT defaults to 11123
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-11123}

echo "demo: installing what is missing (scripts/install-deps.sh; nothing to do when all is there)"
scripts/install-deps.sh
echo "demo: building sntpd and ntpprobe in build/ (about 3 minutes on 2 cores the first time)"
scripts/build.sh build --target sntpd --target ntpprobe

files=build/demo
rm -rf "$files"
mkdir -p "$files"
log=$(mktemp)
args=(--listen "127.0.0.1:$port" --local-stratum 10 --config /dev/null --state "$files/sync-state.json"
  --control "$files/sntpd.sock")
build/bin/sntpd "${args[@]}" 2>"$log" &
server=$!
# The trap runs under set -e, after sntpd may have stopped already: nothing in
# it may fail, or the demo would exit 1 after printing the right output.
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log"' EXIT

# Wait (at most 30 s: a Pi under load) until sntpd has bound its socket, or has died.
for _ in $(seq 300); do
  grep -q 'listening on' "$log" && break
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
grep -q 'listening on' "$log" || { echo "demo: sntpd did not start" >&2; cat "$log" >&2; exit 1; }

echo "\$ sntpd ${args[*]} &"
shown=$(wc -l <"$log")
head -n "$shown" "$log"
echo "\$ ntpprobe 127.0.0.1:$port"
build/bin/ntpprobe "127.0.0.1:$port"
kill "$server"
wait "$server" || true
echo "(sntpd stopped)"
tail -n +$((shown + 1)) "$log"  # what the server said after the lines above
