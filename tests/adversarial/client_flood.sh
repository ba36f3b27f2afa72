#!/usr/bin/env bash
# A flood from 20 000 source addresses, five times the clients sntpd
# remembers (--max-clients 4096), cannot take the client table past its
# bound: sntpd reports 4096 clients at most while it has seen more, its
# memory grows by no more than the table's stated cost (60 bytes a client)
# and a margin, and it still answers afterwards, a client it knew and a new
# one alike.
source "$(dirname "$0")/../interop/lib.sh"
enter_private_netns "$@"

CAPACITY=4096
start_sntpd victim --listen 127.0.0.1:11003 --clock simulated --local-stratum 10 --max-clients "$CAPACITY"
victim=$LAST_PID
wait_for_ntp 127.0.0.1:11003
answers() { [ "$("$BIN/ntpprobe" -o json -n 1 -t 1 127.0.0.1:11003 2>/dev/null | jq -r .stratum)" = 10 ]; }
clients() { "$BIN/sntpd" status --json --control "$WORK/victim.sock" | jq -r ".clients.$1"; }
anon_kb() { awk '$1 == "RssAnon:" { print $2 }' "/proc/$victim/status"; }
check "a client is answered before the flood" wait_until "$DEADLINE_S" answers
before_kb=$(anon_kb)

# ntp_loadgen sends from 127.1.x.y, one address after the other: each of the
# 20 000 asks once.
run=$("$BIN/ntp_loadgen" load 127.0.0.1:11003 --rate 10000 --duration 2 --clients 20000)
after_kb=$(anon_kb)
seen=$(clients seen)
tracked=$(clients tracked)
echo "      flood: $(jq -c '{sent, answered}' <<<"$run"); clients seen $seen, tracked $tracked;" \
  "RssAnon ${before_kb} -> ${after_kb} kB"

check "the table's capacity is --max-clients" [ "$(clients capacity)" = "$CAPACITY" ]
check "more clients were seen than the table holds" [ "$seen" -gt "$CAPACITY" ]
check "no more clients are tracked than the table holds" [ "$tracked" -le "$CAPACITY" ]
# The table's cost as documented, 60 bytes a client, with 1 MB for what else
# a process may take meanwhile (a sanitized build's shadow memory among it).
claim_kb=$((CAPACITY * 60 / 1024))
check "memory grew by at most the table's ${claim_kb} kB and 1 MB (grew $((after_kb - before_kb)) kB)" \
  [ $((after_kb - before_kb)) -le $((claim_kb + 1024)) ]
check "the client of before is answered after the flood" wait_until "$DEADLINE_S" answers
# A client the flood never used (127.2.0.1): a table full of others takes it in.
new_client_answered() {
  python3 - <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.2.0.1", 0))
s.settimeout(1)
s.sendto(bytes([0x23]) + bytes(39) + bytes(range(1, 9)), ("127.0.0.1", 11003))  # v4 client, transmit 1..8
reply = s.recv(512)
sys.exit(0 if len(reply) >= 48 and reply[0] & 7 == 4 and reply[24:32] == bytes(range(1, 9)) else 1)
PY
}
check "a new client is answered after the flood" wait_until "$DEADLINE_S" new_client_answered
check "sntpd is still running" kill -0 "$victim"
finish
