#!/usr/bin/env bash
# sntpd started as root binds port 123, then continues as an unprivileged
# user with no capabilities, or with CAP_SYS_TIME alone when it is to adjust
# the clock.
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

expect_exit 2 "an unknown --user is a configuration error" "$BIN/sntpd" --listen 127.0.0.1:2123 --user no-such-user \
  --control ""
check "...naming the user" grep -q "no such user 'no-such-user'" "$WORK/last.err"

finish
