#!/usr/bin/env bash
# Bad command lines and configurations: one clear line on stderr and the
# documented exit code (2 for usage), never a crash.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

# expect_usage DESCRIPTION EXPECTED-STDERR-SUBSTRING CMD...
expect_usage() {
  local desc=$1 want=$2
  shift 2
  expect_exit 2 "$desc" "$@"
  local lines
  lines=$(wc -l <"$WORK/last.err")
  check "$desc: one line on stderr" [ "$lines" -eq 1 ]
  check "$desc: says '$want'" grep -qF -- "$want" "$WORK/last.err"
}

P="$BIN/ntpprobe"
expect_usage "ntpprobe without a server" "servers is required" "$P"
expect_usage "ntpprobe with an unknown option" "--bogus" "$P" --bogus 127.0.0.1
expect_usage "ntpprobe -n 0" "--samples" "$P" -n 0 127.0.0.1
expect_usage "ntpprobe -n x" "--samples" "$P" -n x 127.0.0.1
expect_usage "ntpprobe -t 0" "--timeout" "$P" -t 0 127.0.0.1
expect_usage "ntpprobe -o xml" "--output" "$P" -o xml 127.0.0.1
expect_usage "ntpprobe --no-slew without --set" "--set" "$P" --no-slew 127.0.0.1
expect_usage "ntpprobe --threshold without --set" "--set" "$P" --threshold 2 127.0.0.1
expect_usage "ntpprobe --state without --set" "--set" "$P" --state /tmp/x 127.0.0.1
expect_usage "ntpprobe --max-offset -1" "--max-offset" "$P" --max-offset -1 127.0.0.1
expect_usage "ntpprobe with a bad port" "bad port '70000'" "$P" 127.0.0.1:70000
expect_usage "ntpprobe with an unclosed bracket" "missing ']'" "$P" "[::1:123"
expect_usage "ntpprobe with a bad host" "bad host" "$P" "bad name"
# Inside this namespace no resolver is reachable: the lookup fails locally.
expect_usage "ntpprobe with an unresolvable name" "cannot resolve" "$P" nonexistent.invalid
expect_exit 0 "ntpprobe --help" "$P" --help
check "ntpprobe --help lists every option" bash -c \
  "'$P' --help | grep -q -- --samples && '$P' --help | grep -q -- --max-offset && '$P' --help | grep -q -- --no-slew"
expect_exit 0 "ntpprobe --version" "$P" --version

S="$BIN/sntpd"
expect_usage "sntpd with an unknown option" "--bogus" "$S" --bogus
expect_usage "sntpd --local-stratum 16" "--local-stratum" "$S" --local-stratum 16 --listen 127.0.0.1:1123
expect_usage "sntpd --local-stratum 0" "--local-stratum" "$S" --local-stratum 0 --listen 127.0.0.1:1123
expect_usage "sntpd with a bad --listen port" "bad port 'x'" "$S" --listen 127.0.0.1:x
expect_exit 0 "sntpd --help" "$S" --help

# A port already taken is a runtime failure (exit 1) with the address named.
start_sntpd holder --listen 127.0.0.1:1123 --local-stratum 10
wait_for_ntp 127.0.0.1:1123
expect_exit 1 "sntpd on a port in use" "$S" --user root --control "$WORK/second.sock" --listen 127.0.0.1:1123
check "sntpd on a port in use: names the address" grep -q "cannot bind 127.0.0.1:1123: Address already in use" "$WORK/last.err"

finish
