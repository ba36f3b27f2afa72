# Shared helpers for the clients tier (tests/clients, label clients): the clients people
# run, each against sntpd, against what a user would compare it with (chronyd for NTP, a
# plain web server for HTTP) and against lansync-board, in the same run, in three cases:
#
#   synced          sntpd --local-stratum 10; chronyd's `local stratum 10`; a board
#                   synced from another sntpd
#   unsynchronized  sntpd with no reference at all; chronyd with none; a board nothing
#                   has set (the plain web server has no such state: it always sends Date)
#   5 s ahead       sntpd --clock simulated --simulated-offset 5 --local-stratum 10;
#                   chronyd (or the web server) under faketime +5s; no board
#
# A client's verdict on a server is "accepted" with the offset it measured, or "refused"
# with what it said.  Each verdict must be what its case wants (an accepted offset within
# the client's stated error, else half its run, of what ntpprobe measures of that server),
# and the verdict on sntpd and on the board must be the one on chronyd (or the web
# server) in the same case: the same kind, the same message, and for the one-shot clients
# (COMPARE_QUERIES) the same number of queries; a difference is a failure unless the test
# names it with `intended`.  Every server has an address of its own on this test's
# loopback, with NTP on port 123 and HTTP on port 80, so that the clients that take no
# port reach each one.
#
# No client can set this machine's clock: each runs inside the test's user namespace
# (where CAP_SYS_TIME does not reach the machine's clock), in its query-only mode where it
# has one, and without CAP_SYS_TIME in its bounding, inheritable, permitted and effective
# sets, which its own process checks just before it becomes the client (without_sys_time;
# each check is logged in $WORK/caps.log and the tier's last check reads them all).
#
# Each script ends with finish_clients, which prints its rows of the tier's table (client
# x case: sntpd, board, chronyd or the web server) and writes them to
# tests/out/clients/NAME.rows; tests/clients/table.sh puts the table together.
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"

CLIENTS_OUT=${LANSYNC_TEST_OUT:-$REPO/tests/out}/clients
CASES=(synced unsync off5)
declare -A CASE_NAME=([synced]="synced" [unsync]="unsynchronized" [off5]="5 s ahead")
declare -A ADDR=(
  [sntpd/synced]=127.0.1.1 [sntpd/unsync]=127.0.1.2 [sntpd/off5]=127.0.1.3
  [ref/synced]=127.0.2.1 [ref/unsync]=127.0.2.2 [ref/off5]=127.0.2.3
  [board/synced]=127.0.3.1 [board/unsync]=127.0.3.2)
UPSTREAM=127.0.9.1  # the sntpd the synced board follows: its polls are counted nowhere else
COMPARE_QUERIES=no
declare -A TRUTH TRUTH_ERR EXPECT INTENDED KIND MESSAGE OFFSET ERR SHOWN QUERIES

# The check each client's own process makes just before it becomes the client: CAP_SYS_TIME
# (bit 25) is in none of its bounding, permitted and effective sets; logged, else exit 125.
NO_SYS_TIME_CHECK='log=$1; shift
caps=$(awk '\''$1 ~ /^Cap(Bnd|Prm|Eff):$/ { printf "%s%s ", $1, $2 }'\'' /proc/self/status)
echo "$caps${1##*/}" >>"$log"
for c in $caps; do
  if (( (16#${c#*:} >> 25) & 1 )); then echo "CAP_SYS_TIME is there ($c): not running ${1##*/}" >&2; exit 125; fi
done
exec "$@"'

# NO_SYS_TIME: the command prefix that runs the rest without CAP_SYS_TIME: out of the bounding
# set, and out of the inheritable and ambient sets, from which uid 0 would take it back at exec.
no_sys_time_prefix() {
  NO_SYS_TIME=(setpriv --bounding-set -sys_time --inh-caps=-all --ambient-caps=-all --
    bash -c "$NO_SYS_TIME_CHECK" without_sys_time "$WORK/caps.log")
}

# without_sys_time CMD...: CMD run without CAP_SYS_TIME, checked in its own process.
without_sys_time() { "${NO_SYS_TIME[@]}" "$@"; }

# need_client PATH...: each is there and runs (its libraries found), else the test fails:
# a client the tier cannot run is a failure that CI shows, never a skip.
need_client() {
  local p
  for p in "$@"; do
    if [ ! -x "$p" ]; then
      failed "client missing: $p (scripts/install-deps.sh --clients unpacks and builds the clients into .peers/)"
    elif ldd "$p" 2>/dev/null | grep -q 'not found'; then
      failed "client $p cannot run: $(ldd "$p" | grep 'not found' | head -1)"
    fi
  done
  [ "$FAILED" -eq 0 ] || { finish || exit 1; }
}

# start_servers ntp|http: every server of every case, each waited for, and what ntpprobe
# measures of each NTP one (TRUTH, TRUTH_ERR).  http: sntpd with --http, the board's HTTP,
# and a plain web server (python3's, HTTP/1.1) in chronyd's place.
start_servers() {
  SERVE=$1
  no_sys_time_prefix
  mkdir -p "$CLIENTS_OUT"
  start_sntpd upstream --listen "$UPSTREAM:123" --local-stratum 10
  sntpd_case synced --local-stratum 10
  sntpd_case unsync
  sntpd_case off5 --clock simulated --simulated-offset 5 --local-stratum 10
  if [ "$SERVE" = ntp ]; then
    REF_NAME=chronyd
    chronyd_case synced -- "local stratum 10"
    chronyd_case unsync --
    chronyd_case off5 faketime -f +5s -- "local stratum 10"
  else
    REF_NAME="plain HTTP server"
    mkdir -p "$WORK/www"
    echo "a plain web server" >"$WORK/www/index.html"
    plain_case synced
    plain_case unsync
    plain_case off5 faketime -f +5s
  fi
  wait_for_ntp "$UPSTREAM:123" synchronized
  start board-synced "$BIN/lansync-board" --server "$UPSTREAM:123" --min-poll 2 --max-poll 8 \
    --serve "${ADDR[board/synced]}:123" --http "${ADDR[board/synced]}:80" --json
  start board-unsync "$BIN/lansync-board" --serve "${ADDR[board/unsync]}:123" --http "${ADDR[board/unsync]}:80" --json
  wait_for_servers
  local c s
  for c in "${CASES[@]}"; do
    for s in sntpd ref board; do
      [ -n "${ADDR[$s/$c]:-}" ] || continue
      EXPECT[$s/$c]=accepted
      [ "$c" = unsync ] && EXPECT[$s/$c]=refused
      measure_truth "$s/$c"
    done
  done
  # A plain web server has no state to be unsynchronized in: it sends its clock's Date.
  [ "$SERVE" = http ] && EXPECT[ref/unsync]=accepted
  return 0
}

# sntpd_case CASE ARGS...: the sntpd of CASE, files of its own in $WORK, HTTP too for http.
sntpd_case() {
  local c=$1 a=${ADDR[sntpd/$1]}
  shift
  local http=()
  [ "$SERVE" = http ] && http=(--http "$a:80")
  start_sntpd "sntpd-$c" --listen "$a:123" "${http[@]}" --state "$WORK/sntpd-$c-state.json" --drift-file "" \
    --activity-log "$WORK/sntpd-$c-activity.log" --camera-state "" --camera-request "$WORK/sntpd-$c-request" "$@"
}

# chronyd_case CASE [PREFIX...] -- [CONF LINES...]: the chronyd of CASE on its address, port
# 123, as interop's chronyd_x (-x) with a command prefix (faketime); its chronyc socket at
# $WORK/chronyd-CASE.sock, for its counters.
chronyd_case() {
  local c=$1 a=${ADDR[ref/$1]} prefix=()
  shift
  while [ "$1" != -- ]; do prefix+=("$1"); shift; done
  shift
  printf '%s\n' "port 123" "bindaddress $a" "allow 127.0.0.0/8" "$@" "bindcmdaddress $WORK/chronyd-$c.sock" \
    "cmdport 0" "pidfile $WORK/chronyd-$c.pid" "driftfile $WORK/chronyd-$c.drift" >"$WORK/chronyd-$c.conf"
  start "chronyd-$c" "${prefix[@]}" chronyd -x -d -u root -f "$WORK/chronyd-$c.conf"
}

# plain_case CASE [PREFIX...]: python3's web server on CASE's address, port 80, with HTTP/1.1's
# persistent connections, as the web servers people run (htpdate 1.3.7 sends its requests on one
# connection and fails on a server that closes it after each answer: busybox's httpd, python3's
# default HTTP/1.0).
PLAIN_SERVER='
import http.server, os, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
os.chdir(sys.argv[2])
server = http.server.ThreadingHTTPServer((sys.argv[1], 80), Handler)
print("serving on", sys.argv[1], flush=True)
server.serve_forever()'
plain_case() {
  local c=$1 a=${ADDR[ref/$1]}
  shift
  start "plain-$c" "$@" python3 -c "$PLAIN_SERVER" "$a" "$WORK/www"
}

# wait_for_servers: until each server answers as its case wants.
wait_for_servers() {
  local c
  for c in synced off5; do
    wait_for_ntp "${ADDR[sntpd/$c]}:123" synchronized
    if [ "$SERVE" = ntp ]; then wait_for_ntp "${ADDR[ref/$c]}:123" synchronized; fi
  done
  wait_for_ntp "${ADDR[sntpd/unsync]}:123"
  wait_for_ntp "${ADDR[board/unsync]}:123"
  wait_synced board-synced 1
  if [ "$SERVE" = ntp ]; then
    wait_for_ntp "${ADDR[ref/unsync]}:123"
  else
    for c in "${CASES[@]}"; do
      wait_for_log "sntpd-$c" "http: serving on ${ADDR[sntpd/$c]}:80"
      wait_for_log "plain-$c" "serving on"
    done
    wait_until "$DEADLINE_S" curl -s -o /dev/null --max-time 2 "http://${ADDR[board/synced]}/" &&
      wait_until "$DEADLINE_S" curl -s -o /dev/null --max-time 2 "http://${ADDR[board/unsync]}/" ||
      failed "a board's HTTP never answered"
  fi
}

# measure_truth SERVER/CASE: the offset ntpprobe measures of that server (TRUTH) and its error
# (TRUTH_ERR: the server's root distance and precision, and half the probe's round trip); for
# the plain web server, the offset its case gives it, exactly (this machine's clock, or
# faketime's +5 s on it).
measure_truth() {
  local out
  if [ "$SERVE" = http ] && [ "${1%%/*}" = ref ]; then
    TRUTH[$1]=$([ "${1#*/}" = off5 ] && echo 5 || echo 0)
    TRUTH_ERR[$1]=0
    return 0
  fi
  out=$("$BIN/ntpprobe" -o json "${ADDR[$1]}:123" || true)
  TRUTH[$1]=$(json offset_s "$out")
  TRUTH_ERR[$1]=$(probe_error_s "$out" 2>/dev/null || echo -1)
  echo "      ntpprobe: ${1%%/*} ${CASE_NAME[${1#*/}]} (${ADDR[$1]}): $(jq -r '"\(.status), leap \(.leap), stratum \(.stratum), offset \(.offset_s) s"' <<<"$out" 2>/dev/null)"
}

# queries SERVER/CASE: how many NTP requests that server has received so far (sntpd's and
# chronyd's counters; "" for the board and the web server, which have none to ask).
queries() {
  local c=${1#*/}
  case "$SERVE/${1%%/*}" in
    ntp/sntpd) "$BIN/sntpd" status --json --control "$WORK/sntpd-$c.sock" 2>/dev/null | jq -r '.counters.requests // empty' ;;
    ntp/ref) chronyc -h "$WORK/chronyd-$c.sock" serverstats 2>/dev/null | awk -F: '/^NTP packets received/ { print $2 + 0 }' ;;
  esac
}

# intended CASE SERVER REASON: the verdicts on SERVER (sntpd or board) and on the reference
# differ in CASE by design, for REASON.
intended() { INTENDED[$2/$1]=$3; }

# refused_by_ntpdig STDERR RC: VERDICT for a run of ntpdig (or ntpdate, ntpsec's shim running it)
# that took no time: the first line it wrote to STDERR but its "no eligible servers" summary,
# without its "ntpdig: " prefix; its first line and exit code RC if that is all it wrote.
refused_by_ntpdig() {
  local msg
  msg=$(grep -v 'no eligible servers' "$1" | head -n 1)
  VERDICT="refused ${msg:-$(head -n 1 "$1") (exit $2)}"
  VERDICT=${VERDICT/ntpdig: /}
}

# run_clients QUERY: QUERY ADDR SERVER/CASE against every server of every case.  QUERY runs the
# client once and sets VERDICT to "accepted OFFSET_S ERROR_S [SHOWN...]" (ERROR_S "-" when the
# client states none: half the run's time is taken) or "refused MESSAGE".
run_clients() {
  local c s
  for c in "${CASES[@]}"; do
    for s in sntpd board ref; do
      if [ -n "${ADDR[$s/$c]:-}" ]; then run_one "$1" "$s/$c"; fi
    done
  done
}

run_one() {
  local key=$2 before after t0 t1 kind rest
  before=$(queries "$key")
  VERDICT="refused (no verdict)"
  t0=$(date +%s.%N)
  "$1" "${ADDR[$key]}" "$key"
  t1=$(date +%s.%N)
  after=$(queries "$key")
  if [ -n "$before" ] && [ -n "$after" ]; then QUERIES[$key]=$((after - before)); fi
  read -r kind rest <<<"$VERDICT"
  KIND[$key]=$kind
  if [ "$kind" = accepted ]; then
    read -r "OFFSET[$key]" "ERR[$key]" "SHOWN[$key]" <<<"$rest"
    [ "${ERR[$key]}" = - ] && ERR[$key]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", (b - a) / 2 }')
    [ -n "${SHOWN[$key]}" ] || SHOWN[$key]=$(printf '%+.3f s' "${OFFSET[$key]}" | sed 's/^-0\.000 /+0.000 /')
    MESSAGE[$key]=""
  else
    KIND[$key]=refused
    # The server's address (each case has its own) is HOST in what the client said of it.
    MESSAGE[$key]=$(sed -E 's/[0-9]+(\.[0-9]+){3}(:[0-9]+)?/HOST/g' <<<"$rest")
  fi
  echo "      $CLIENT -> ${key%%/*} ${CASE_NAME[${key#*/}]} (${ADDR[$key]}): $(cell "$key")"
}

# cell SERVER/CASE: the verdict as the table shows it.
cell() {
  local q=""
  [ -n "${ADDR[$1]:-}" ] || { echo "-"; return; }
  [ -n "${QUERIES[$1]:-}" ] && q=" ($(plural "${QUERIES[$1]}" query queries))"
  if [ "${KIND[$1]}" = accepted ]; then echo "accepted, ${SHOWN[$1]}$q"; else echo "refused$q: ${MESSAGE[$1]}"; fi
}
plural() { if [ "$1" = 1 ]; then echo "1 $2"; else echo "$1 $3"; fi; }

# same_verdict A B: the two verdicts are the same: kind, message, and with COMPARE_QUERIES the
# number of queries, where both servers counted them (the board counts none it can be asked for).
same_verdict() {
  [ "${KIND[$1]}" = "${KIND[$2]}" ] && [ "${MESSAGE[$1]}" = "${MESSAGE[$2]}" ] &&
    { [ "$COMPARE_QUERIES" = no ] || [ -z "${QUERIES[$1]:-}" ] || [ -z "${QUERIES[$2]:-}" ] ||
      [ "${QUERIES[$1]}" = "${QUERIES[$2]}" ]; }
}

# judge SERVER/CASE: the verdict is what the case wants; accepted, within the client's error
# and ntpprobe's of what ntpprobe measures of that server.
judge() {
  local key=$1 who="$CLIENT -> ${1%%/*} ${CASE_NAME[${1#*/}]}"
  if [ "${EXPECT[$key]}" = refused ]; then
    check "$who: refused ($(cell "$key"))" [ "${KIND[$key]}" = refused ]
    return 0
  fi
  if [ "${KIND[$key]}" != accepted ]; then
    failed "$who: accepted (it was not: $(cell "$key"))"
    return 0
  fi
  local err
  err=$(sum "${ERR[$key]}" "${TRUTH_ERR[$key]:--1}")
  check "$who: accepted, offset as ntpprobe measures it (${OFFSET[$key]} s, ${TRUTH[$key]:-?} +- $err s)" \
    near "${OFFSET[$key]}" "${TRUTH[$key]}" "$err"
}

# compare SERVER CASE: the verdict on SERVER is the reference's, or differs as `intended` says.
compare() {
  local key=$1/$2 ref=ref/$2 who="$CLIENT, ${CASE_NAME[$2]}: $1"
  if [ -n "${INTENDED[$key]:-}" ]; then
    check "$who differs from the $REF_NAME as intended (${INTENDED[$key]}): $(cell "$key") / $(cell "$ref")" \
      eval '! same_verdict "$key" "$ref"'
  else
    check "$who as the $REF_NAME: $(cell "$key") / $(cell "$ref")" same_verdict "$key" "$ref"
  fi
}

# relation SERVER CASE: the table's word for how the verdict on SERVER stands to the reference's.
relation() {
  local key=$1/$2
  [ -n "${ADDR[$key]:-}" ] || return 0
  if same_verdict "$key" "ref/$2"; then
    [ -n "${INTENDED[$key]:-}" ] && echo "$1: SAME, an intended difference missing" || echo "$1: same"
  elif [ -n "${INTENDED[$key]:-}" ]; then
    echo "$1: intended (${INTENDED[$key]})"
  else
    echo "$1: DIFFERENT"
  fi
}

# caps_without_sys_time: no capability set of $WORK/caps.log has CAP_SYS_TIME (bit 25).
caps_without_sys_time() {
  local line c
  while read -r line; do
    for c in $line; do
      case $c in Cap*:*) if (((16#${c#*:} >> 25) & 1)); then return 1; fi ;; esac
    done
  done <"$WORK/caps.log"
}

# finish_clients NAME: every verdict judged and compared, the table's rows printed and written
# to tests/out/clients/NAME.rows, every client's capabilities checked; then finish.
finish_clients() {
  local c s rows="" rel r
  for c in "${CASES[@]}"; do
    for s in sntpd board ref; do
      if [ -n "${ADDR[$s/$c]:-}" ]; then judge "$s/$c"; fi
    done
    for s in sntpd board; do
      if [ -n "${ADDR[$s/$c]:-}" ]; then compare "$s" "$c"; fi
    done
    rel=""
    for s in sntpd board; do
      r=$(relation "$s" "$c")
      [ -z "$r" ] || rel+="${rel:+; }$r"
    done
    rows+="$CLIENT	${CASE_NAME[$c]}	$(cell "sntpd/$c")	$(cell "board/$c")	$(cell "ref/$c")	$REF_NAME	$rel"$'\n'
  done
  local runs checks
  runs=$(printf '%s\n' "${!KIND[@]}" | wc -l)
  checks=$(wc -l <"$WORK/caps.log" 2>/dev/null || echo 0)
  check "$CLIENT ran $checks times (for $runs verdicts), each without CAP_SYS_TIME ($(cut -d' ' -f1-3 "$WORK/caps.log" 2>/dev/null | sort -u | paste -sd ','))" \
    eval '[ "$checks" -ge "$runs" ] && caps_without_sys_time'
  printf '%s' "$rows" >"$CLIENTS_OUT/$1.rows"
  echo "table: client | case | sntpd | board | $REF_NAME | compared"
  printf '%s' "$rows" | awk -F'\t' '{ print "table: " $1 " | " $2 " | " $3 " | " $4 " | " $5 " | " $7 }'
  finish
}
