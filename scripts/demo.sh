#!/usr/bin/env bash
# The main job, end to end on one machine: install what is missing, build,
# start sntpd on 127.0.0.1 (an unprivileged port), query it with ntpprobe,
# print the result and stop the server.
#
#   scripts/demo.sh [PORT]        PORT defaults to 11123
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-11123}

scripts/install-deps.sh
scripts/build.sh build

log=$(mktemp)
build/bin/sntpd --listen "127.0.0.1:$port" --local-stratum 10 2>"$log" &
server=$!
# The trap runs under set -e, after sntpd may have stopped already: nothing in
# it may fail, or the demo would exit 1 after printing the right output.
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log"' EXIT

# Wait (at most 5 s) until sntpd has bound its socket, or has died.
for _ in $(seq 50); do
  grep -q 'listening on' "$log" && break
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
grep -q 'listening on' "$log" || { echo "demo: sntpd did not start" >&2; cat "$log" >&2; exit 1; }

echo "\$ sntpd --listen 127.0.0.1:$port --local-stratum 10 &"
shown=$(wc -l <"$log")
head -n "$shown" "$log"
echo "\$ ntpprobe 127.0.0.1:$port"
build/bin/ntpprobe "127.0.0.1:$port"
kill "$server"
wait "$server" || true
echo "(sntpd stopped)"
tail -n +$((shown + 1)) "$log"  # what the server said after the lines above
