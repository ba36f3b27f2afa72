#!/usr/bin/env bash
# A local user trickling bytes into sntpd's control socket cannot stall the
# daemon: while 64 connections send one byte every half second (each
# reconnecting when sntpd closes it at its deadline), the reference still
# expires on time, broadcasts keep going out every second, NTP is answered,
# and `sntpd status` still answers a client that sends its line at once.
# The socket is mode 0660.
source "$(dirname "$0")/../interop/lib.sh"
enter_private_netns "$@"

# The clock was synchronized 29 min 52 s ago: the record expires (30 min) in 8 s.
sync_state "$WORK/state.json" 1792
start_sntpd victim --listen 127.0.0.1:11001 --state "$WORK/state.json" \
  --broadcast 127.0.0.1:11002 --broadcast-interval 1
victim=$LAST_PID
wait_for_ntp 127.0.0.1:11001
check "the control socket is mode 0660" [ "$(stat -c %a "$WORK/victim.sock")" = 660 ]
served() { "$BIN/ntpprobe" -o json -n 1 -t 0.5 127.0.0.1:11001 2>/dev/null | jq -r '"\(.leap) \(.stratum)"'; }
expired() { [ "$(served)" = "3 0" ]; }
check "synchronized from the record to begin with" [ "$(served | cut -d' ' -f1)" = 0 ]

# The attack, and a broadcast listener, for 14 s.
python3 - "$WORK/victim.sock" >"$WORK/trickle.log" 2>&1 <<'PY' &
import socket, sys, time
path, end = sys.argv[1], time.monotonic() + 14
conns, opened = [], 0
while time.monotonic() < end:
    conns = [c for c in conns if c.fileno() >= 0]
    while len(conns) < 64:
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.settimeout(2)  # a server that stopped accepting: tried again until the end, no hang
        try:
            c.connect(path)
        except OSError:
            c.close()
            break
        conns.append(c)
        opened += 1
        if opened == 64:
            print("all 64 connected", flush=True)
    for c in list(conns):
        try:
            c.send(b"s")
        except OSError:
            c.close()
            conns.remove(c)
    time.sleep(0.5)
print("opened", opened)
PY
trickler=$!
python3 - >"$WORK/broadcasts.out" <<'PY' &
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 11002))
s.settimeout(0.5)
n, end = 0, time.monotonic() + 14
while time.monotonic() < end:
    try:
        s.recv(512)
        n += 1
    except socket.timeout:
        pass
print(n)
PY
listener=$!

status_answers() {
  for _ in $(seq 10); do
    "$BIN/sntpd" status --json --control "$WORK/victim.sock" 2>/dev/null | jq -e .reference >/dev/null && return 0
    sleep 0.2
  done
  return 1
}
wait_for_log trickle "^all 64 connected"
check "under the trickle, sntpd status still answers" status_answers
check "under the trickle, NTP is answered" [ -n "$(served)" ]
# Expiry is due 8 s after the start; allow a generous margin (a loaded machine), not a timing figure.
check "under the trickle, the reference expires: LI=3, stratum 0" wait_until "$DEADLINE_S" expired
wait $trickler $listener
opened=$(sed -n 's/^opened //p' "$WORK/trickle.log")
broadcasts=$(cat "$WORK/broadcasts.out")
echo "      the trickler opened $opened connections; $broadcasts broadcasts arrived in 14 s"
check "sntpd closed the trickling connections at their deadline (more than 64 opened)" [ "${opened:-0}" -gt 64 ]
check "broadcasts kept going out (at least 7 in 14 s at one a second)" [ "${broadcasts:-0}" -ge 7 ]
check "sntpd is still running" kill -0 "$victim"
finish
