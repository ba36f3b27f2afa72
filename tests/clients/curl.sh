#!/usr/bin/env bash
# curl's view of the headers (`curl -sI`, a HEAD of the page) of sntpd's web server (sntpd
# --http), the board's and a plain web server (python3's) in each case
# (tests/clients/lib.sh): the Date header is what htpdate and many small clients take as the
# time.  A server whose time is trusted sends its clock's Date, whole seconds (taken as the
# middle of its second, good to half a second and half the request's time); an sntpd or
# board whose time is not trusted sends none (RFC 9110 section 6.6.1), where the plain web
# server, which cannot know, sends its clock's: that difference is intended.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
CLIENT=curl
start_servers http
NO_DATE="RFC 9110 6.6.1: no Date while its time is not trusted"
intended unsync sntpd "$NO_DATE"
intended unsync board "$NO_DATE"

query() {
  local out rc=0 t0 t1 date unix
  t0=$(date +%s.%N)
  out=$(without_sys_time curl -sI --max-time 5 "http://$1/" | tr -d '\r') || rc=$?
  t1=$(date +%s.%N)
  date=$(sed -n 's/^[Dd]ate: //p' <<<"$out")
  HEADERS[$2]=$(head -n 1 <<<"$out")
  if [ -n "$date" ] && unix=$(date -d "$date" +%s 2>/dev/null); then
    VERDICT="accepted $(awk -v d="$unix" -v a="$t0" -v b="$t1" 'BEGIN {
      o = d + 0.5 - (a + b) / 2
      printf "%.3f %.3f Date %+d s", o, 0.5 + (b - a) / 2, int(o + (o < 0 ? -0.5 : 0.5)) }')"
  elif [ -n "$out" ]; then
    VERDICT="refused no Date header"
  else
    VERDICT="refused no answer (curl exit $rc)"
  fi
}
declare -A HEADERS
run_clients query
check "curl -sI on an unsynchronized sntpd: no Date (${HEADERS[sntpd/unsync]:-})" [ "${MESSAGE[sntpd/unsync]:-}" = "no Date header" ]
check "curl -sI on an unsynchronized board: no Date (${HEADERS[board/unsync]:-})" [ "${MESSAGE[board/unsync]:-}" = "no Date header" ]
finish_clients curl
