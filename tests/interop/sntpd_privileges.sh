#!/usr/bin/env bash
# sntpd started as root binds port 123, then continues as an unprivileged
# user with no capabilities, or with CAP_SYS_TIME alone when it is to adjust
# the clock; with --http, its web process runs as a user of its own
# (_lansync-web), which may not write sntpd's files nor signal it, and is
# restarted after kill -9 all the same.
#
# This test needs a real root, not the user namespace of the other tests (in
# there, uid 0 is the only user), so it runs in private network, PID and
# mount namespaces only.  It never lets sntpd adjust the clock: the one sntpd
# that keeps CAP_SYS_TIME follows an upstream address where nothing listens,
# so it never has a measurement to act on.
set -euo pipefail
if [ -z "${LANSYNC_IN_NETNS:-}" ]; then
  if [ "$(id -u)" -ne 0 ] || ! unshare -np --fork --mount-proc true 2>/dev/null; then
    echo "SKIP: needs root and network/PID namespaces to test the switch to an unprivileged user"
    exit 77
  fi
  LANSYNC_IN_NETNS=1 exec unshare -np --fork --mount-proc bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
ip link set lo up
WORK=$(mktemp -d)
trap cleanup EXIT

user=$(getent passwd _lansync >/dev/null && echo _lansync || echo nobody)
uid=$(id -u "$user")
proc_field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

start plain "$BIN/sntpd" --listen 127.0.0.1:123 --local-stratum 10 --control "$WORK/plain.sock"
wait_for_ntp 127.0.0.1:123
pid=$LAST_PID
check "sntpd bound port 123, then continued as $user (uid $(proc_field "$pid" Uid))" \
  [ "$(proc_field "$pid" Uid)" = "$uid" ]
check "...with no capability at all" [ "$(proc_field "$pid" CapEff)$(proc_field "$pid" CapPrm)" = \
  "00000000000000000000000000000000" ]
check "...says so" grep -q "running as $user without capabilities" "$WORK/plain.log"
expect_exit 0 "...and still answers" "$BIN/ntpprobe" 127.0.0.1
check "...and its status socket still works" "$BIN/sntpd" status --control "$WORK/plain.sock"

# Port 9 of this namespace's loopback: nothing listens, nothing ever answers.
start keeps "$BIN/sntpd" --listen 127.0.0.1:1123 --upstream 127.0.0.1:9 --control "$WORK/keeps.sock"
wait_for_log keeps "running as"
pid=$LAST_PID
check "with clock control, only CAP_SYS_TIME is kept (CapEff $(proc_field "$pid" CapEff))" \
  [ "$(proc_field "$pid" CapEff)" = 0000000002000000 ]
check "...in the permitted set too" [ "$(proc_field "$pid" CapPrm)" = 0000000002000000 ]
check "...and the user is $user" [ "$(proc_field "$pid" Uid | cut -f1)" = "$uid" ]

# sntpd-web under a user of its own.  This machine need not have the package's users: a copy
# of the user database with _lansync and _lansync-web is bound over /etc/passwd and /etc/group
# in this test's private mount namespace (nothing outside it sees them).
if ! getent passwd _lansync-web >/dev/null; then
  for db in passwd group; do cp "/etc/$db" "$WORK/$db"; done
  getent passwd _lansync >/dev/null || echo "_lansync:x:64001:64001::/nonexistent:/usr/sbin/nologin" >>"$WORK/passwd"
  getent group _lansync >/dev/null || echo "_lansync:x:64001:" >>"$WORK/group"
  echo "_lansync-web:x:64002:64002::/nonexistent:/usr/sbin/nologin" >>"$WORK/passwd"
  echo "_lansync-web:x:64002:" >>"$WORK/group"
  mount --bind "$WORK/passwd" /etc/passwd
  mount --bind "$WORK/group" /etc/group
fi
chmod 0711 "$WORK"  # _lansync reaches its state directory below
start web "$BIN/sntpd" --user _lansync --listen 127.0.0.1:3123 --local-stratum 10 --clock simulated \
  --simulated-offset -5 --http 127.0.0.1:3180 --http-set-allow 127.0.0.1 --state "$WORK/state/sync-state.json" \
  --activity-log "$WORK/state/activity.jsonl" --control "$WORK/web.sock"
sntpd_pid=$LAST_PID
wait_for_log web "http: serving on 127.0.0.1:3180"
web_pid() { pgrep -P "$sntpd_pid" -x sntpd-web; }
wait_until "$DEADLINE_S" web_pid >/dev/null
web=$(web_pid)
check "with --http, sntpd-web (pid ${web:-none}) runs as _lansync-web, user and group" \
  [ "$(proc_field "$web" Uid)/$(proc_field "$web" Gid)" = "$(id -u _lansync-web)/$(id -g _lansync-web)" ]
check "...with no supplementary group" [ -z "$(awk '$1 == "Groups:" { print $2 }' "/proc/$web/status")" ]
check "...and no capability" [ "$(grep -E '^Cap(Inh|Prm|Eff|Amb):' "/proc/$web/status" | awk '{ print $2 }' |
  sort -u)" = 0000000000000000 ]
check "sntpd runs as _lansync, CAP_SETUID and CAP_SETGID permitted, none effective (CapPrm $(proc_field \
  "$sntpd_pid" CapPrm))" eval '[ "$(proc_field "$sntpd_pid" CapPrm)" = 00000000000000c0 ] &&
  [ "$(proc_field "$sntpd_pid" CapEff)" = 0000000000000000 ] && [ "$(proc_field "$sntpd_pid" Uid | cut -f1)" = "$(id -u _lansync)" ]'
check "...and says why" grep -q "running as _lansync with CAP_SETUID and CAP_SETGID (permitted)" "$WORK/web.log"
curl_set 127.0.0.1:3180
check "a phone sets the clock 5 s behind through the web process ($(json result "$set"), $(json offset_s "$set") s)" \
  set_within 5
state=$WORK/state/sync-state.json
check "sntpd wrote its sync-state and activity log as _lansync" \
  [ "$(stat -c %U "$state" "$WORK/state/activity.jsonl" | sort -u)" = _lansync ]
check "...which _lansync may write (the check below can fail)" runuser -u _lansync -- test -w "$state"
for f in "$state" "$WORK/state/activity.jsonl" "$WORK/state"; do
  check "_lansync-web may not write $(basename "$f") ($(stat -c '%U %a' "$f"))" \
    eval '! runuser -u _lansync-web -- test -w "$f"'
done
check "...nor open the sync-state for writing" eval '! runuser -u _lansync-web -- sh -c ": >>\"\$1\"" sh "$state" 2>/dev/null'
check "...nor signal sntpd" eval '! runuser -u _lansync-web -- kill -0 "$sntpd_pid" 2>/dev/null'
kill -9 "$web"
wait_for_log web "sntpd-web (pid $web) was killed by signal 9; starting it again"
restarted() { local p; p=$(web_pid) && [ "$p" != "$web" ]; }
time_ok() { [ "$(curl -s --max-time 2 http://127.0.0.1:3180/time | jq -r .stratum 2>/dev/null)" = 3 ]; }
check "after kill -9, sntpd starts sntpd-web again and the page answers" \
  eval 'wait_until "$DEADLINE_S" restarted && wait_until "$DEADLINE_S" time_ok'
web=$(web_pid)
check "...still as _lansync-web" [ "$(proc_field "$web" Uid | cut -f1)" = "$(id -u _lansync-web)" ]
# A web process that stops answering the heartbeat is killed by sntpd itself: through a helper
# that takes the web user (sntpd has no CAP_KILL).
kill -STOP "$web"
wait_for_log web "sntpd-web (pid $web) did not answer"
gone() { ! kill -0 "$web" 2>/dev/null; }
check "a hung sntpd-web is killed by sntpd (SIGKILL, sent as _lansync-web) and started again" \
  eval 'wait_until "$DEADLINE_S" gone && wait_until "$DEADLINE_S" restarted && wait_until "$DEADLINE_S" time_ok'
web=$(web_pid)
kill "$sntpd_pid"
wait "$sntpd_pid" 2>/dev/null || true
check "sntpd, not allowed to signal _lansync-web itself, stopped its web process all the same" \
  eval '! kill -0 "$web" 2>/dev/null'
check "...and every signal reached it" eval '! grep -q "cannot send signal" "$WORK/web.log"'

expect_exit 2 "an unknown --user is a configuration error" "$BIN/sntpd" --listen 127.0.0.1:2123 --user no-such-user \
  --control ""
check "...naming the user" grep -q "no such user 'no-such-user'" "$WORK/last.err"

finish
