#!/usr/bin/env bash
# Offline at boot with upstream names: sntpd starts anyway, serves its other
# reference (here --local-stratum) while the names do not resolve, warns once
# per name however often it retries, and follows the servers once the names
# resolve, without a restart, polling every address of a pool name.  And
# start-up order: sntpd listens (NTP and HTTP) on an address that comes up
# after it, as ap0 does on a Pi.
#
# Names resolve only through this test's own hosts file (bind-mounted over
# /etc/hosts in the test's mount namespace); DNS is pointed at a loopback
# address where nothing listens, so no query leaves the namespace.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

printf '127.0.0.1 localhost\n::1 localhost\n' >"$WORK/hosts"
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$WORK/resolv.conf"
mount --bind "$WORK/hosts" /etc/hosts
mount --bind "$WORK/resolv.conf" /etc/resolv.conf
ip addr add 127.0.0.2/8 dev lo 2>/dev/null || true

# Three servers: two behind the pool name, one behind a plain name.
for a in 2 3 4; do
  start_sntpd "server$a" --listen "127.0.0.$a:11300" --local-stratum 9
done
for a in 2 3 4; do wait_for_ntp "127.0.0.$a:11300"; done

start_sntpd follower --listen 127.0.0.1:11301 --local-stratum 12 --no-clock-control \
  --upstream pool.test:11300 --upstream timeserver.test:11300
wait_for_ntp 127.0.0.1:11301
check "started although no upstream name resolves" kill -0 "$LAST_PID"
run_capture probe "$BIN/ntpprobe" -o json 127.0.0.1:11301
check "meanwhile it serves its other reference (stratum $(json stratum "$probe"))" [ "$(json stratum "$probe")" = 12 ]
run_capture st "$BIN/sntpd" status --json --control "$WORK/follower.sock"
check "sntpd status lists the names not resolved yet ($(jq -c '[.upstreams[].state]' <<<"$st"))" \
  [ "$(jq '[.upstreams[] | select(.state | test("^(resolving|unresolved)"))] | length' <<<"$st")" = 2 ]

# Wait until each name has been retried and failed again: its first retry
# comes 2 s after the first failure, the next 4 s after that, so "retry in 3 s"
# or more says the second failure happened (a first one shows at most 1 s).
retried() {
  jq -e '[.upstreams[].state | select(test("^unresolved")) | capture("retry in (?<s>[0-9]+) s").s | tonumber >= 3]
    | length == 2 and all' <<<"$("$BIN/sntpd" status --json --control "$WORK/follower.sock")" >/dev/null
}
wait_until "$DEADLINE_S" retried || failed "the names were not retried within $DEADLINE_S s"
check "one warning per name, not one per retry" \
  eval '[ "$(grep -c "warning: upstream pool.test:11300: cannot resolve" "$WORK/follower.log")" = 1 ] &&
        [ "$(grep -c "warning: upstream timeserver.test:11300: cannot resolve" "$WORK/follower.log")" = 1 ]'

printf '127.0.0.2 pool.test\n127.0.0.3 pool.test\n127.0.0.4 timeserver.test\n' >>"$WORK/hosts"
for _ in $(seq 300); do  # the next retries come at most 8 s apart here
  [ "$(ntp_state 127.0.0.1:11301 | cut -d' ' -f1)" = 10 ] && break
  sleep 0.1
done
run_capture probe "$BIN/ntpprobe" -o json 127.0.0.1:11301
check "once the names resolve it follows them, no restart (stratum $(json stratum "$probe"))" \
  [ "$(json stratum "$probe")" = 10 ]
run_capture st "$BIN/sntpd" status --json --control "$WORK/follower.sock"
check "every address of the pool name is polled ($(jq -c '[.upstreams[] | .server + " " + .address]' <<<"$st"))" \
  [ "$(jq -c '[.upstreams[] | select(.server == "pool.test:11300") | .address] | sort' <<<"$st")" = \
    '["127.0.0.2:11300","127.0.0.3:11300"]' ]
check "...and the plain name's address" \
  [ "$(jq -r '.upstreams[] | select(.server == "timeserver.test:11300") | .address' <<<"$st")" = 127.0.0.4:11300 ]
check "the log says when a name resolved" grep -q "upstream pool.test:11300: polling 127.0.0.2:11300, 127.0.0.3:11300" \
  "$WORK/follower.log"
check "...with no further warning" [ "$(grep -c "warning: upstream" "$WORK/follower.log")" = 2 ]

# --- An address that is not up yet (IP_FREEBIND): served once it appears.
start_sntpd early --listen 10.88.0.1:11310 --local-stratum 10 --http 10.88.0.1:11311
wait_for_log early "http: serving on 10.88.0.1:11311"
check "sntpd starts on an address no interface has yet" kill -0 "$LAST_PID"
ip addr add 10.88.0.1/24 dev lo
wait_for_ntp 10.88.0.1:11310
run_capture probe "$BIN/ntpprobe" -o json 10.88.0.1:11310
check "...and serves it once the address comes up (stratum $(json stratum "$probe"))" [ "$(json stratum "$probe")" = 10 ]
check "...the page too" eval '[ "$(curl -s --max-time 5 http://10.88.0.1:11311/time | jq -r .stratum)" = 10 ]'

# --- An upstream address with no route yet (wlan0 not up at boot): kept, retried.
start_sntpd far --listen 10.99.0.2:11320 --local-stratum 9
far_pid=$LAST_PID
start_sntpd near --listen 127.0.0.1:11321 --local-stratum 12 --no-clock-control --upstream 10.99.0.2:11320
wait_for_ntp 127.0.0.1:11321
for _ in $(seq 50); do grep -q "warning: upstream 10.99.0.2:11320" "$WORK/near.log" && break; sleep 0.1; done
check "an upstream with no route yet is a warning, not the end of it" \
  grep -q "warning: upstream 10.99.0.2:11320: .*retrying in the background" "$WORK/near.log"
ip addr add 10.99.0.2/24 dev lo
# Retried with backoff, then the first-sync burst: on a loaded machine this takes a while.
follows_far() { [ "$(ntp_state 127.0.0.1:11321 | cut -d' ' -f1)" = 10 ]; }
check "...it is followed once the network is up" wait_until $((DEADLINE_S * 2)) follows_far
echo "      near: $(ntp_state 127.0.0.1:11321)"
kill "$far_pid" 2>/dev/null || true

expect_exit 2 "a malformed --upstream is still a usage error" "$BIN/sntpd" --user root \
  --control "$WORK/bad.sock" --listen 127.0.0.1:0 --upstream "pool.test:99999"
finish
