#!/usr/bin/env bash
# Pools that renew themselves (chrony's pool replacement): pool.test, a name
# in this test's own hosts file, gives four addresses, each a server of the
# test; sntpd --max-sources 2 polls two of them.  Once it has synchronized,
# both go silent: each is replaced by one of the other two within 8 polls
# (kReachPolls), logged once, and polled no more.  Then one of those answers
# Kiss-o'-Death DENY: the name gives no address not polled before, so nothing
# replaces it (the silent ones are not taken back) until the hosts file gives
# the name a fifth address, which does.
#
# Names resolve only through this test's hosts file (bind-mounted over
# /etc/hosts in the test's mount namespace, as sntpd_offline does); DNS points
# at a loopback address where nothing listens.  sntpd runs on a simulated
# clock 20 s behind (the machine's is never touched), polling every second
# (--max-poll 0) so that 8 polls take seconds, not hours.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

PORT=12301
NAME=pool.test:$PORT
printf '127.0.0.1 localhost\n::1 localhost\n' >"$WORK/hosts"
for a in 2 3 4 5; do printf '127.0.0.%s pool.test\n' "$a" >>"$WORK/hosts"; done
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$WORK/resolv.conf"
mount --bind "$WORK/hosts" /etc/hosts
mount --bind "$WORK/resolv.conf" /etc/resolv.conf
: >"$WORK/silent"
: >"$WORK/deny"

# The servers: one small responder on 127.0.0.2 to .6, answering with this
# machine's time as a stratum-2 server, a line per request in its log
# ("answered ADDR", "ignored ADDR", "denied ADDR").  An address listed in
# $WORK/silent gets no answer, one in $WORK/deny a Kiss-o'-Death DENY.
python3 - "$PORT" "$WORK/silent" "$WORK/deny" >"$WORK/responder.log" 2>&1 <<'PY' &
import select, socket, struct, sys, time

port, silent_file, deny_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]

def ntp(t):
    t += 2208988800
    return struct.pack("!II", int(t) & 0xFFFFFFFF, int((t % 1) * 2**32))

def reply(req, kiss=None):
    t = time.time()
    first = 0x24 if kiss is None else 0xE4  # LI 0 (3 for a kiss), version 4, server
    stratum, refid = (0, kiss.encode()) if kiss else (2, socket.inet_aton("10.0.0.1"))
    pkt = struct.pack("!BBbb", first, stratum, 0, -20) + struct.pack("!II", 0, 0x10) + refid
    return pkt + ntp(t - 1) + req[40:48] + ntp(t) + ntp(t)

def listed(path, addr):
    with open(path) as f:
        return addr in f.read().split()

socks = {}
for a in range(2, 7):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((f"127.0.0.{a}", port))
    socks[s] = f"127.0.0.{a}"
print("listening", flush=True)
end = time.monotonic() + 280  # the test's own timeout is 300 s
while time.monotonic() < end:
    ready, _, _ = select.select(list(socks), [], [], 0.2)
    for s in ready:
        req, peer = s.recvfrom(512)
        addr = socks[s]
        if listed(silent_file, addr):
            print("ignored", addr, flush=True)
            continue
        kiss = "DENY" if listed(deny_file, addr) else None
        s.sendto(reply(req, kiss), peer)
        print("denied" if kiss else "answered", addr, flush=True)
PY
BG_PIDS+=($!)
wait_for_log responder listening

start_sntpd pool -v --listen 127.0.0.1:12300 --clock simulated --simulated-offset -20 --max-poll 0 \
  --max-sources 2 --state "$WORK/pool-state.json" --drift-file "" --upstream "$NAME"
status() { "$BIN/sntpd" status --json --control "$WORK/pool.sock" 2>/dev/null; }
# polled: the addresses polled, sorted, one line (only if every one comes from pool.test).
polled() {
  status | jq -r --arg n "$NAME" \
    'if all(.upstreams[]; .server == $n) then [.upstreams[].address] | sort | join(" ") else "" end'
}
requests() { grep -c "^$1 $2\$" "$WORK/responder.log" || true; }  # requests() KIND ADDR
check_log() { if wait_for_log "$2" "$3"; then pass "$1"; fi; }

check_log "sntpd synchronizes to the pool" pool "following upstream $NAME"
first=$(polled)
check "--max-sources 2: two addresses of $NAME polled ($first)" \
  eval '[ "$(wc -w <<<"$first")" = 2 ] && grep -qE "^127\.0\.0\.[2-5]:$PORT 127\.0\.0\.[2-5]:$PORT$" <<<"$first"'
others=$(for a in 2 3 4 5; do grep -q "127.0.0.$a:" <<<"$first" || echo "127.0.0.$a:$PORT"; done | paste -sd' ')
unpolled() { for a in $others; do [ "$(requests answered "${a%:*}")" = 0 ] || return 1; done; }
check "...and no request reached the other two" unpolled

# Both polled ones go silent.
sed "s/:$PORT//g" <<<"$first" | tr ' ' '\n' >"$WORK/silent"
for a in $first; do
  check_log "silent $a: replaced by another address of the name, logged" pool \
    "upstream $NAME: $a unreachable for 8 polls; replaced by 127.0.0.[2-5]:$PORT"
done
check "...the two others polled now ($others), both from $NAME" \
  wait_until "$DEADLINE_S" eval '[ "$(polled)" = "$others" ]'
# Once each new one got more than 8 requests, a silent one still polled (every second, as they are) would
# have got as many more.
more_than_8() { for a in $others; do [ "$(requests answered "${a%:*}")" -gt 8 ] || return 1; done; }
check "...each new one answered more than 8 polls" wait_until "$DEADLINE_S" more_than_8
ignored=$(grep -c "^ignored " "$WORK/responder.log")
for a in $first; do
  n=$(requests ignored "${a%:*}")
  check "...$a got $n requests after it went silent: replaced within 8 polls, then polled no more" \
    eval '[ "$n" -ge 1 ] && [ "$n" -le 8 ]'
  check "...its replacement logged exactly once" \
    [ "$(grep -c "upstream $NAME: $a unreachable for 8 polls; replaced by" "$WORK/pool.log")" = 1 ]
done
check "...the new ones agree and are followed" \
  wait_until "$DEADLINE_S" eval '[ "$(status | jq -r ".selection.agreeing")" = 2 ] &&
                                 [ -z "$(status | jq -r ".selection.problem // empty")" ]'
run_capture text "$BIN/sntpd" status --control "$WORK/pool.sock"
check "status text names the pool and the address polled" \
  grep -qE "^Upstream         : $NAME \(127\.0\.0\.[2-5]:$PORT\)  (sys_peer|truechimer)" <<<"$text"

# One of the new ones refuses us: no fresh address, so it stays (the silent ones are not taken back) ...
deny=${others%% *}
echo "${deny%:*}" >"$WORK/deny"
check_log "$deny answers Kiss-o'-Death DENY: no longer polled, logged" pool \
  "upstream $NAME ($deny): Kiss-o'-Death DENY"
check_log "...the name is resolved again: no address of it not polled before" pool \
  "upstream $NAME: resolving again for a fresh address: no address not polled before"
check "...so it stays, not replaced (the silent ones are not taken back)" \
  eval '[ "$(polled)" = "$others" ] && ! grep -q "$deny refused us" "$WORK/pool.log"'
# ... until the name gives a fifth address (its retries back off from 2 s: waited for twice as long).
printf '127.0.0.6 pool.test\n' >>"$WORK/hosts"
fresh="127.0.0.6:$PORT"
check "a fifth address for the name: it replaces the refusing one, logged" \
  wait_until $((2 * DEADLINE_S)) grep -q \
  "upstream $NAME: $deny refused us (Kiss-o'-Death DENY or RSTR); replaced by $fresh" "$WORK/pool.log"
check "...polled now: the other new one and the fifth" \
  wait_until "$DEADLINE_S" eval '[ "$(polled)" = "$(tr " " "\n" <<<"${others#* } $fresh" | sort | paste -sd" ")" ]'
check "...each replacement logged once: three in all" [ "$(grep -c "; replaced by " "$WORK/pool.log")" = 3 ]
check "...$deny got one request after it began to refuse, the silent ones none since their replacement" \
  eval '[ "$(requests denied "${deny%:*}")" = 1 ] && [ "$(grep -c "^ignored " "$WORK/responder.log")" = "$ignored" ]'

# --- Bad values: one line naming the option (or the file's line), exit 2.
expect_message 2 "--max-sources 0" "--max-sources" "$BIN/sntpd" --max-sources 0 --listen 127.0.0.1:12309
expect_message 2 "--max-sources 17" "--max-sources" "$BIN/sntpd" --max-sources 17 --listen 127.0.0.1:12309
printf 'max-sources x\n' >"$WORK/bad.conf"
expect_message 2 "max-sources x in sntpd.conf" "$WORK/bad.conf:1" "$BIN/sntpd" -c "$WORK/bad.conf" \
  --listen 127.0.0.1:12309

finish
