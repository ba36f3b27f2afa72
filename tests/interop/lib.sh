# Shared helpers for the interop tests: private namespaces, real peers, checks.
#
# Every interop test runs inside its own user, network, PID and IPC namespace
# (unshare -Urnpi): it has a loopback of its own, may bind port 123, and cannot
# reach any other network; the shared-memory segments gpsd and sntpd --gps
# meet in are its own, never those of a gpsd or chronyd on this machine.  In a user namespace CAP_SYS_TIME does not apply to
# the machine's clock, so no peer started here can step or slew it, whatever
# its configuration says.  When the test ends, the kernel ends every process
# it started (the PID namespace dies with its first process), even those a
# wrapper such as faketime forked.
#
# The test also has a mount namespace of its own (--mount-proc), in which an
# empty directory hides each of lansync's default directories that exist on
# this machine (hide_installed_lansync): on a machine where lansync is
# installed and sntpd.service runs, no tool started by a test reads or writes
# the machine's config, sync state, drift, camera state, control socket or
# logs, whatever paths the test forgets to give.
#
# Waits are for the thing itself (a log line, a port answering, a file), with
# generous deadlines (DEADLINE_S) for a slow or loaded machine, never a fixed
# sleep.
#
# Source this file, call `enter_private_netns "$@"` first, then use the
# helpers; end with `finish`.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${LANSYNC_BIN:-$REPO/build/bin}
PEERS=${LANSYNC_PEERS:-$REPO/.peers}
NTPSEC_NTPD=$PEERS/ntpsec/usr/sbin/ntpd
SKIP=77   # ctest's SKIP_RETURN_CODE
DEADLINE_S=30  # the longest a wait for a server, a helper or a log line lasts
# lansync's default paths (libsync/os/*.hpp, tools/sntpd/options.hpp, camsync).
LANSYNC_DEFAULT_DIRS=(/etc/lansync /var/lib/lansync /var/log/lansync /run/lansync)

enter_private_netns() {
  if [ -z "${LANSYNC_IN_NETNS:-}" ]; then
    if ! unshare -Urnpi --fork --mount-proc true 2>/dev/null; then
      echo "SKIP: this machine does not allow user + network + PID + IPC namespaces (unshare -Urnpi)"
      exit $SKIP
    fi
    LANSYNC_IN_NETNS=1 exec unshare -Urnpi --fork --mount-proc bash "$0" "$@"
  fi
  ip link set lo up
  hide_installed_lansync
  WORK=$(mktemp -d)
  trap cleanup EXIT
}

# hide_installed_lansync: an empty tmpfs over each of lansync's default
# directories that exists, in this test's own mount namespace only.
hide_installed_lansync() {
  local d
  for d in "${LANSYNC_DEFAULT_DIRS[@]}"; do
    [ -d "$d" ] || continue
    mount -t tmpfs -o mode=0755 lansync-test "$d" ||
      { echo "cannot hide the installed $d from the test" >&2; exit 1; }
  done
}

BG_PIDS=()
cleanup() {
  local pid f
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$FAILED" -gt 0 ] && [ -d "$WORK" ]; then
    # The failures before the logs and once more after them: a summary that keeps only the
    # output's start or only its end (CI's) still names them.
    for f in "${FAILED_CHECKS[@]}"; do echo "FAILED: $f"; done
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done
    for f in "${FAILED_CHECKS[@]}"; do echo "FAILED: $f"; done
  fi
  rm -rf "$WORK"
}

# start NAME CMD...: runs CMD in the background, output to $WORK/NAME.log.
# The log is emptied here, not by the job: a wait for a line in it never sees
# what an earlier run of NAME wrote, however late the job starts.
start() {
  local name=$1
  shift
  : >"$WORK/$name.log"
  "$@" >>"$WORK/$name.log" 2>&1 &
  BG_PIDS+=($!)
  LAST_PID=$!
}

# wait_for_ntp HOST:PORT [synchronized]: until something answers NTP there (at
# most DEADLINE_S); with "synchronized", until ntpprobe accepts its time (exit 0), as
# ntpsec's ntpd in orphan mode does after a few seconds (at most 2 * DEADLINE_S).
wait_for_ntp() {
  local i rc tries=$((DEADLINE_S * 10)) pause=0.1
  [ "${2:-}" = synchronized ] && tries=$((DEADLINE_S * 4)) pause=0.5
  for i in $(seq "$tries"); do
    rc=0
    "$BIN/ntpprobe" -n 1 -t 0.2 "$1" >/dev/null 2>&1 || rc=$?
    if [ "${2:-}" = synchronized ]; then [ "$rc" -eq 0 ] && return 0; else [ "$rc" -ne 1 ] && return 0; fi
    sleep "$pause"
  done
  failed "no ${2:-} NTP server answered on $1 within $(awk -v n="$tries" -v p="$pause" 'BEGIN { print n * p }') s"
  return 1
}

# faketime -f SPEC CMD...: runs CMD with libfaketime preloaded, as Debian's
# faketime does, but without its wrapper: the wrapper names a semaphore after
# its PID, and PIDs repeat across the tests' PID namespaces.  In a background
# job it becomes CMD itself, so that killing the job kills the server.
LIBFAKETIME=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
faketime() {
  [ "$1" = -f ] || { echo "faketime: only -f SPEC is supported here" >&2; return 2; }
  local spec=$2
  shift 2
  if [ "$BASHPID" != "$$" ]; then
    exec env LD_PRELOAD="$LIBFAKETIME" FAKETIME="$spec" "$@"
  fi
  env LD_PRELOAD="$LIBFAKETIME" FAKETIME="$spec" "$@"
}

# wait_for_log NAME PATTERN: until $WORK/NAME.log has a line matching PATTERN
# (at most DEADLINE_S), for servers that answer nobody, and for the test's own
# helpers, which say when they listen.
wait_for_log() {
  for _ in $(seq $((DEADLINE_S * 10))); do
    grep -q -- "$2" "$WORK/$1.log" 2>/dev/null && return 0
    sleep 0.1
  done
  failed "$1 never logged '$2' within $DEADLINE_S s"
  return 1
}

# chronyd_server NAME PORT [PREFIX...] -- [CONF LINES...]: a chronyd serving
# its local clock at stratum 10 on 127.0.0.1 and ::1 (PREFIX, e.g. faketime,
# wraps the command).  Control of the clock is off (-x) on top of the namespace.
chronyd_server() {
  local name=$1 port=$2
  shift 2
  local prefix=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do prefix+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  {
    echo "port $port"
    echo "bindaddress 127.0.0.1"
    echo "bindaddress ::1"
    echo "cmdport 0"
    echo "pidfile $WORK/$name.pid"
    echo "driftfile $WORK/$name.drift"
    local line
    for line in "$@"; do echo "$line"; done
  } >"$WORK/$name.conf"
  start "$name" "${prefix[@]}" chronyd -x -d -u root -f "$WORK/$name.conf"
}

# wait_synced NAME SAMPLES: until the last --json status line of lansync-board NAME says
# synchronized with at least SAMPLES samples (at most 4 * DEADLINE_S); prints that line.
wait_synced() {
  local line=""
  for _ in $(seq $((DEADLINE_S * 40))); do
    line=$(grep '^{' "$WORK/$1.log" | tail -n 1 || true)
    if [ -n "$line" ] && [ "$(jq -r .synchronized <<<"$line")" = true ] &&
      [ "$(jq -r .samples <<<"$line")" -ge "$2" ]; then
      echo "$line"
      return 0
    fi
    sleep 0.1
  done
  failed "$1 never reported synchronized with $2 samples"
  return 1
}

# need_browser: skips the test (exit 77, saying what is missing) unless Debian's
# chromium, node and tests/browser's playwright-core are there.
need_browser() {
  command -v chromium >/dev/null || { echo "SKIP: chromium is not installed (scripts/install-deps.sh --test)"; exit $SKIP; }
  command -v node >/dev/null || { echo "SKIP: node is not installed (scripts/install-deps.sh --test)"; exit $SKIP; }
  [ -d "$REPO/tests/browser/node_modules/playwright-core" ] ||
    { echo "SKIP: playwright-core is not installed (scripts/install-deps.sh --test runs npm ci in tests/browser)"; exit $SKIP; }
}

# need_webkit: skips the test (exit 77, saying what is missing) unless WebKit can be driven:
# WebKitWebDriver, WebKitGTK's MiniBrowser, Debian's python3 with selenium, and Xvfb.
need_webkit() {
  command -v WebKitWebDriver >/dev/null || { echo "SKIP: webkit2gtk-driver is not installed (scripts/install-deps.sh --test)"; exit $SKIP; }
  ls /usr/lib/*/webkit2gtk-4.1/MiniBrowser >/dev/null 2>&1 ||
    { echo "SKIP: WebKitGTK's MiniBrowser is not installed (scripts/install-deps.sh --test)"; exit $SKIP; }
  /usr/bin/python3 -c 'import selenium' 2>/dev/null || { echo "SKIP: python3-selenium is not installed (scripts/install-deps.sh --test)"; exit $SKIP; }
  command -v Xvfb >/dev/null || { echo "SKIP: xvfb is not installed (scripts/install-deps.sh --test)"; exit $SKIP; }
}

# start_xvfb: an X server of this test's own (WebKitGTK draws on one even unseen); DISPLAY names
# it when this returns.  Its socket is abstract only, so it lives in this network namespace, and
# its lock file goes to a /tmp of its own: it cannot meet the machine's X server or another
# test's, whatever display number each took.
start_xvfb() {
  start xvfb unshare -m sh -c 'mount -t tmpfs tmpfs /tmp &&
    exec Xvfb -displayfd 3 -nolisten tcp -nolisten unix -screen 0 1024x1024x24' 3>"$WORK/xvfb.display"
  wait_until 10 grep -q '^[0-9]' "$WORK/xvfb.display" || { failed "Xvfb did not start: $(tail -3 "$WORK/xvfb.log")"; return 1; }
  export DISPLAY=":$(head -1 "$WORK/xvfb.display")"
}

# webkit NAME ARGS...: tests/browser/webkit.py ARGS (page ... or embed ...) in WebKit, with a
# profile of its own; its JSON report in $REPORT.  Needs start_xvfb first.
webkit() {
  local name=$1 rc=0
  shift
  REPORT=$(timeout 120 /usr/bin/python3 "$REPO/tests/browser/webkit.py" "$@" --profile "$WORK/webkit-$name" \
    2>"$WORK/browser-$name.log") || rc=$?
  echo "      page: $(jq -c 'del(.zone_names)' <<<"$REPORT" 2>/dev/null || echo "$REPORT")"
  [ "$rc" -eq 0 ] || { failed "$name: the WebKit run failed (exit $rc): $(tail -3 "$WORK/browser-$name.log")"; return 1; }
}

# stated_step RESULT: "STEP ERROR_S" from the page's "stepped by +S s (± E ms)",
# the error widened by the rounding of both figures (1 ms and 0.1 ms); "0 -1",
# which no check passes, if RESULT says no step.
stated_step() {
  sed -n 's/.*stepped by +\([0-9.]*\) s (± \([0-9.]*\) ms).*/\1 \2/p' <<<"$1" |
    awk '{ s = $1; e = $2 / 1000 + 0.00055 } END { printf "%s %.5f\n", (s == "" ? 0 : s), (s == "" ? -1 : e) }'
}

# page_layout NAME SCREENSHOT: the phone page of webkit's last report fits a phone's width (no
# element past the viewport's edges, the document no wider), its button is on the first screen
# with nothing over it, and the screenshot shows it (tests/support/page_pixels.py).
page_layout() {
  local r=$REPORT box
  check "$1: nothing wider than the $(jq .layout.width <<<"$r") px viewport (document $(jq .layout.scroll_width <<<"$r") px, past the edges: $(jq -c .layout.outside <<<"$r"))" \
    jq_true '.layout | .width == 390 and .scroll_width <= .width and (.outside | length) == 0' <<<"$r"
  check "$1: the button on the first screen (at $(jq -r '.layout | "\(.button.top)-\(.button.bottom) px of \(.height)"' <<<"$r")), nothing over it" \
    jq_true '.layout | .button.at_centre and .button.top >= 0 and .button.left >= 0 and .button.right <= .width and
      .button.bottom <= .height' <<<"$r"
  box=$(jq -r '.layout | "\(.width) \(.button.left) \(.button.top) \(.button.right) \(.button.bottom)"' <<<"$r")
  # shellcheck disable=SC2086  # the width and the box's four numbers
  check "$1: the screenshot shows it ($2; the pixels' checks above)" /usr/bin/python3 "$REPO/tests/support/page_pixels.py" "$2" $box
}

# make_cert NAME: a self-signed certificate for pi.local, localhost and 127.0.0.1 in
# $WORK/NAME.crt and its key in $WORK/NAME.key, made as sntpd(8)'s EXAMPLES makes them.
make_cert() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 825 -nodes \
    -keyout "$WORK/$1.key" -out "$WORK/$1.crt" -subj /CN=pi.local \
    -addext subjectAltName=DNS:pi.local,DNS:localhost,IP:127.0.0.1 -addext extendedKeyUsage=serverAuth 2>/dev/null
}

# make_ca NAME: a self-signed CA certificate and key, $WORK/NAME.crt and .key (an NTS server's
# private CA).
make_ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 30 -nodes \
    -keyout "$WORK/$1.key" -out "$WORK/$1.crt" -subj "/CN=lansync test $1" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

# make_server_cert CA NAME SANS [DAYS]: a server certificate for SANS (e.g.
# "DNS:ntp.test,IP:127.0.0.1") signed by make_ca's CA, valid for DAYS (30) from now, $WORK/NAME.crt
# and its key $WORK/NAME.key.
make_server_cert() {
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/$2.key" \
    -out "$WORK/$2.csr" -subj /CN=ntp.test 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$3" >"$WORK/$2.ext"
  openssl x509 -req -in "$WORK/$2.csr" -CA "$WORK/$1.crt" -CAkey "$WORK/$1.key" -CAcreateserial -days "${4:-30}" \
    -extfile "$WORK/$2.ext" -out "$WORK/$2.crt" 2>/dev/null
}

# served_check DESCRIPTION WANT_MS URL [CA_FILE]: the time served at URL/time (sntpd's or a
# board's, over HTTPS with CA_FILE) minus this machine's clock at the middle of the
# request is WANT_MS, within what the server claims (root_distance_ms; none while it
# serves a simulated offset alone), half the request's round trip (the test's own
# uncertainty, timed inside one process: a loaded machine's process start is not part
# of it) and 1 ms of resolution.
served_check() {
  local desc=$1 want=$2 url=$3 ca=${4:-} out diff bound
  out=$(/usr/bin/python3 -c '
import json, ssl, sys, time, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[2]) if sys.argv[2] else None
before = time.time_ns()
body = json.load(urllib.request.urlopen(sys.argv[1] + "/time", timeout=5, context=ctx))
after = time.time_ns()
bound = (after - before) / 2e6 + (body.get("root_distance_ms") or 0) + 1
print(round(body["unix_ms"] - (before + after) / 2e6), round(bound, 1))' "$url" "$ca" 2>&1) || true
  read -r diff bound <<<"$out"
  check "$desc ($diff ms, $want +- ${bound:-?} ms)" near "$diff" "$want" "${bound:--1}"
}

# embed_pi NTP_PORT HTTP_PORT [SNTPD_ARGS...]: an sntpd "web" serving the phone page on 127.0.0.1:HTTP_PORT
# 5 s behind, for another web app that embeds /lansync.js, with camsync's part as
# camsync.path would start it: a run recorded (in the background) once the request is there.
embed_pi() {
  local ntp=$1 http=$2
  shift 2
  start_sntpd web --listen "127.0.0.1:$ntp" --clock simulated --simulated-offset -5 --http "127.0.0.1:$http" \
    --http-set-allow 127.0.0.1/32 --state "$WORK/web-state.json" --activity-log "$WORK/web-activity.log" \
    --camera-request "$WORK/web-request" --camera-state "$WORK/web-camera.json" "$@"
  wait_for_log web "http: serving on 127.0.0.1:$http"
  (wait_until 60 test -e "$WORK/web-request" &&
    printf '{"last_run_unix":%s,"result":"ok","offset_before_s":0.001,"offset_after_s":null,"camera":"http://192.168.4.20:8080","message":"camera right"}\n' \
      "$(date +%s.%N)" >"$WORK/web-camera.json") &
}

# failed_camera_state FILE MESSAGE [RETRY_UNIX]: a camera-state file saying camsync's run failed
# now with MESSAGE, and (with RETRY_UNIX) when its timer tries again.
failed_camera_state() {
  printf '{"last_run_unix":%s,"result":"failed","offset_before_s":null,"offset_after_s":null,"camera":"http://192.168.4.20:8080","message":"%s"%s}\n' \
    "$(date +%s)" "$2" "${3:+,\"retry_unix\":$3}" >"$1"
}

# chronyd_x NAME CONFIG_LINE...: a chronyd that never touches the clock (-x, and the
# namespace), with the lines given, its chronyc socket at $WORK/NAME.sock.
chronyd_x() {
  local name=$1
  shift
  printf '%s\n' "$@" "bindcmdaddress $WORK/$name.sock" "cmdport 0" "pidfile $WORK/$name.pid" \
    "driftfile $WORK/$name.drift" >"$WORK/$name.conf"
  start "$name" chronyd -x -d -u root -f "$WORK/$name.conf"
}

# chrony_client NAME SOURCE PORT [OPTIONS]: a chronyd_x polling 127.0.0.1:PORT
# every 0.25 s from address SOURCE.  Each client has its own source address: a
# server keeps interleaved state per address, as chrony's does, so two clients
# behind one address would disturb each other.
chrony_client() {
  local name=$1 source=$2 port=$3
  shift 3
  chronyd_x "$name" "server 127.0.0.1 port $port minpoll -2 maxpoll -2 iburst $*" "bindacqaddress $source"
}

# ntpdata NAME FIELD, tracking NAME FIELD: one field of `chronyc ntpdata` or
# `chronyc tracking` of the chronyd whose command socket is $WORK/NAME.sock.
ntpdata() { chronyc -h "$WORK/$1.sock" -n ntpdata 2>/dev/null | sed -n "s/^$2 *: //p"; }
tracking() { chronyc -h "$WORK/$1.sock" -n tracking 2>/dev/null | sed -n "s/^$2 *: //p"; }

# ntpdata_error NAME: the error of the last measurement the chronyd at $WORK/NAME.sock
# made of its source, by chrony's own figures: half the round trip plus the
# dispersion, and the source's root distance (-1 if it has none).
ntpdata_error() {
  chronyc -h "$WORK/$1.sock" -n ntpdata 2>/dev/null | awk -F' *: *' '
    $1 == "Peer delay" { split($2, v, " "); e += v[1] / 2; n++ }
    $1 == "Peer dispersion" { split($2, v, " "); e += v[1]; n++ }
    $1 == "Root delay" { split($2, v, " "); e += v[1] / 2; n++ }
    $1 == "Root dispersion" { split($2, v, " "); e += v[1]; n++ }
    END { printf "%.9f", n == 4 ? e : -1 }'
}

# check_ntpdata_offset DESCRIPTION NAME: the offset of that chronyd's last measurement
# is within ntpdata_error (its source serves this machine's clock).
check_ntpdata_offset() {
  local offset err
  offset=$(ntpdata "$2" Offset | awk '{ print $1 }')
  err=$(ntpdata_error "$2")
  check "$1 ($offset s, +- $err s)" near "$offset" 0 "$err"
}

# wait_until SECONDS CMD...: polls CMD every 0.5 s until it succeeds.
wait_until() {
  local n=$(($1 * 2))
  shift
  for _ in $(seq "$n"); do "$@" && return 0; sleep 0.5; done
  return 1
}

# ended PID: the process PID is gone or a zombie (kill -0 still reaches one).
ended() { [ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

# reap PID [SECONDS]: waits for the background job PID to end, its exit code in
# $RC; if it is still running after SECONDS (DEADLINE_S), it fails, kills the
# job and sets RC to -1: the test goes on instead of hanging until ctest's timeout.
reap() {
  local s=${2:-$DEADLINE_S}
  RC=0
  if ! wait_until "$s" ended "$1"; then
    failed "process $1 still running $s s after it was told to stop (killed)"
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    RC=-1
    return 0
  fi
  wait "$1" || RC=$?
}

# start_sntpd NAME ARGS...: sntpd in the background, its log in $WORK/NAME.log
# and its status socket at $WORK/NAME.sock.  It stays root: in this namespace
# uid 0 is the only user that exists (tests/interop/privileges.sh covers the
# switch to an unprivileged user).
start_sntpd() {
  local name=$1
  shift
  start "$name" "$BIN/sntpd" --user root --control "$WORK/$name.sock" "$@"
}

# second_host ADDR PEER_ADDR: a second network namespace (a second "host")
# joined to this one by a veth pair, ADDR/24 on our side and PEER_ADDR/24 on
# its side.  Sets PEER to a PID whose namespace it is: run commands there
# with `nsenter -t "$PEER" -n CMD`.  For peers that refuse a server on their
# own loopback (ntpd does).
second_host() {
  unshare -n sleep 3600 &
  PEER=$!
  BG_PIDS+=("$PEER")
  wait_until "$DEADLINE_S" eval '[ "$(readlink "/proc/$PEER/ns/net")" != "$(readlink /proc/self/ns/net)" ]' ||
    { failed "the second host's network namespace was not made"; return 1; }
  ip link add lsv0 type veth peer name lsv1 netns "$PEER"
  ip addr add "$1/24" dev lsv0
  ip link set lsv0 up
  nsenter -t "$PEER" -n sh -c "ip link set lo up && ip addr add $2/24 dev lsv1 && ip link set lsv1 up"
}

# ntp_state ADDR: what the server at ADDR serves, as "stratum refid".
ntp_state() { "$BIN/ntpprobe" -o json -n 1 -t 1 "$1" 2>/dev/null | jq -r '"\(.stratum) \(.refid)"'; }

# wait_for_state ADDR "STRATUM REFID" SECONDS: polls ntp_state once a second
# until it is the one wanted, at most SECONDS; prints the last state seen.
wait_for_state() {
  local state="" i
  for i in $(seq "$3"); do
    state=$(ntp_state "$1" || true)
    [ "$state" = "$2" ] && break
    sleep 1
  done
  echo "$state"
}

# The usual server: local stratum 10, open to loopback clients.
CHRONY_SERVES=("allow 127.0.0.1" "allow ::1" "local stratum 10")

FAILED=0
PASSED=0
pass() { PASSED=$((PASSED + 1)); echo "ok    $*"; }
FAILED_CHECKS=()
failed() { FAILED=$((FAILED + 1)); FAILED_CHECKS+=("$*"); echo "FAIL  $*"; }

# run_capture VAR CMD...: runs CMD, its stdout in $VAR, its exit code in $RC.
run_capture() {
  local __var=$1
  shift
  local __out
  RC=0
  __out=$("$@" 2>"$WORK/last.err") || RC=$?
  printf -v "$__var" '%s' "$__out"
}

# expect_exit CODE DESCRIPTION CMD...
expect_exit() {
  local want=$1 desc=$2
  shift 2
  local out
  run_capture out "$@"
  if [ "$RC" -eq "$want" ]; then
    pass "$desc (exit $RC)"
  else
    failed "$desc: exit $RC, wanted $want; stdout: $out; stderr: $(cat "$WORK/last.err")"
  fi
}

# expect_message CODE DESCRIPTION STDERR-SUBSTRING CMD...: exit CODE, and one
# line on stderr that says STDERR-SUBSTRING.
expect_message() {
  local code=$1 desc=$2 want=$3
  shift 3
  expect_exit "$code" "$desc" "$@"
  check "$desc: one line on stderr" [ "$(wc -l <"$WORK/last.err")" -eq 1 ]
  check "$desc: says '$want'" grep -qF -- "$want" "$WORK/last.err"
}

# check DESCRIPTION CMD...: passes when CMD succeeds.
check() {
  local desc=$1
  shift
  if "$@"; then pass "$desc"; else failed "$desc"; fi
}

# near VALUE TARGET TOLERANCE: |VALUE - TARGET| <= TOLERANCE, as decimals.
near() {
  awk -v v="$1" -v t="$2" -v tol="$3" 'BEGIN { d = v - t; if (d < 0) d = -d; exit !(v != "" && d <= tol) }'
}

# probe_error_s NTPPROBE_JSON: how far an offset ntpprobe measured may be from the
# truth, by what the server claims and what the probe saw: the server's root
# distance (root delay / 2 + root dispersion: its own stated error), half the
# exchange's round trip (the probe's measurement uncertainty) and the server's
# precision.  Accuracy checks compare with this, never with a fixed number.
probe_error_s() { sum "$(served_error_s "$1")" "$(jq -r '.delay_s / 2' <<<"$1")"; }

# served_error_s NTPPROBE_JSON: the server's own stated error, its root distance
# and precision, without the probe's part.
served_error_s() { jq -r '.root_delay_s / 2 + .root_dispersion_s + pow(2; .precision)' <<<"$1"; }

# check_offset DESCRIPTION NTPPROBE_JSON TARGET_S [EXTRA_S]: checks that the
# offset ntpprobe measured is TARGET_S within probe_error_s (plus EXTRA_S, the
# test's own uncertainty about TARGET_S), and says both in the description.
check_offset() {
  local err
  err=$(sum "$(probe_error_s "$2" 2>/dev/null || echo -1)" "${4:-0}")
  check "$1 ($(json offset_s "$2") s, $3 +- $err s)" near "$(json offset_s "$2")" "$3" "$err"
}

# chrony_q TIMEOUT_S CONFIG_LINES...: chronyd -Q, chrony's one-shot client (it
# prints "System clock wrong by X seconds (ignored)" and changes nothing), with
# its measurements logged in $WORK/chrony-q/ for chrony_q_error; prints what it said.
chrony_q() {
  local timeout=$1
  shift
  rm -rf "$WORK/chrony-q"
  mkdir -p "$WORK/chrony-q"
  chronyd -Q -u root -t "$timeout" "logdir $WORK/chrony-q" "log measurements" "$@" 2>&1 || true
}

# chrony_measurement_error < MEASUREMENTS_LOG: the error of the last measurement in chrony's
# measurements.log, as chrony logged it: half its round trip plus its
# dispersion, and the server's root distance (-1 if none).
chrony_measurement_error() {
  awk '$1 ~ /^[0-9][0-9][0-9][0-9]-/ { e = $13 / 2 + $14 + $15 / 2 + $16 }
    END { printf "%.9f", e == "" ? -1 : e }'
}

# chrony_q_error: chrony_measurement_error of the last chrony_q.
chrony_q_error() { chrony_measurement_error <"$WORK/chrony-q/measurements.log" 2>/dev/null || echo -1; }

# clock_wrong_by CHRONY_Q_OUTPUT: the X of chronyd -Q's "System clock wrong by X seconds".
clock_wrong_by() { sed -n 's/.*System clock wrong by \([-0-9.]*\) seconds.*/\1/p' <<<"$1"; }

# chrony_truth PORT: "OFFSET ERROR_S", the offset of the server on 127.0.0.1:PORT as
# chronyd -Q measures it, and that measurement's error (plus the microsecond chronyd
# prints).  The truth for a faketime server: under libfaketime chronyd reads its
# receive time itself, and on some machines a "+2.5s" chronyd served 2.4999 s to
# every client, chrony's own included.
chrony_truth() {
  local q
  q=$(chrony_q 10 "server 127.0.0.1 port $1 iburst maxsamples 1")
  echo "$(clock_wrong_by "$q") $(sum "$(chrony_q_error)" 1e-6)"
}

# board_offset_error_s STATUS_LINE: how large the last offset lansync-board measured may
# be, by its own status: the error it states for its clock plus half the
# sample's round trip (-1 if it states none).
board_offset_error_s() { jq -r '(.error_s // -1) + .delay_s / 2' <<<"$1" 2>/dev/null || echo -1; }

# check_board_offset DESCRIPTION STATUS_LINE: its last offset within board_offset_error_s.
check_board_offset() {
  local err
  err=$(board_offset_error_s "$2")
  check "$1 ($(jq -r .offset_s <<<"$2") s, +- $err s)" near "$(jq -r .offset_s <<<"$2")" 0 "$err"
}

# board_freq_error_ppm NAME: how far the frequency lansync-board NAME found may be
# from its crystal's, by its own status lines: each offset it measured is
# uncertain by up to the largest round trip seen, at either end of a line
# fitted through them from the mean of its samples' times, about half the span
# since it first synchronized: largest delay / (span / 2), in ppm.
board_freq_error_ppm() {
  grep '^{' "$WORK/$1.log" | jq -rs '
    [.[] | select(.synchronized)] as $s
    | ($s | map(.time_utc | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601)) as $t
    | if ($t | length) < 2 or $t[-1] <= $t[0] then -1
      else ($s | map(.delay_s) | max) / (($t[-1] - $t[0]) / 2) * 1e6 end' 2>/dev/null || echo -1
}

# board_vs_server BOARD SERVER: ntpprobe's offset of the board's clock minus that
# of the server's, both measured against this machine's clock, and how far
# apart they may be: the board's stated error (which holds the server's) plus
# both probes' measurement uncertainty; prints "DIFFERENCE BOUND".
board_vs_server() {
  local b s
  b=$("$BIN/ntpprobe" -o json "$1" || true)
  s=$("$BIN/ntpprobe" -o json "$2" || true)
  awk -v b="$(json offset_s "$b")" -v s="$(json offset_s "$s")" -v e="$(probe_error_s "$b" 2>/dev/null || echo -1)" \
    -v d="$(json delay_s "$s")" 'BEGIN { printf "%.6f %.6f\n", b - s, b == "" || s == "" ? -1 : e + d / 2 }'
}

# check_board_vs_server DESCRIPTION BOARD SERVER: board_vs_server's difference within its bound.
check_board_vs_server() {
  local d
  d=$(board_vs_server "$2" "$3")
  check "$1 (${d% *} s, +- ${d#* } s)" near "${d% *}" 0 "${d#* }"
}

# check_board_freq DESCRIPTION STATUS_LINE NAME WANT_PPM: the frequency the board found, within
# board_freq_error_ppm.
check_board_freq() {
  local err
  err=$(board_freq_error_ppm "$3")
  check "$1 ($(jq -r .freq_ppm <<<"$2") ppm, $4 +- $err)" near "$(jq -r .freq_ppm <<<"$2")" "$4" "$err"
}

# drift_within REPORT WANT_PPM [EXTRA_PPM]: driftlog analyze's drift_ppm is WANT_PPM within four
# of the standard uncertainties it states (one in 16,000 to fail by chance), plus EXTRA_PPM, the
# test's own uncertainty where it has one (asymmetry_ppm).
drift_within() {
  local four
  four=$(jq -r '(.drift_uncertainty_ppm // -0.25) * 4' <<<"$1" 2>/dev/null || echo -1)
  near "$(json drift_ppm "$1")" "$2" "$(sum "$four" "${3:-0}")"
}

# asymmetry_ppm CSV: how far the drift of a driftlog run may be bent by what no NTP client
# sees, the part of each round trip spent on one leg only (a loaded or emulated client between
# reading T1 and its send): the ok rows' typical excess round trip over the least (median minus
# least), half of it on each sample, from one end of the run to the other, in ppm.
asymmetry_ppm() {
  local span delays
  span=$(awk -F, 'NR > 1 && $6 == "ok" { if (!seen++) first = $2; last = $2 } END { print last - first }' "$1")
  delays=$(awk -F, 'NR > 1 && $6 == "ok" { print $5 }' "$1" | sort -g)
  awk -v span="$span" '{ d[NR] = $1 }
    END {
      if (NR < 2 || span <= 0) { print 0; exit }
      med = NR % 2 ? d[(NR + 1) / 2] : (d[NR / 2] + d[NR / 2 + 1]) / 2
      printf "%.6f\n", (med - d[1]) / span * 1e6
    }' <<<"$delays"
}

# interval_ppm CSV: four standard errors of the drift that the ok rows' own intervals leave
# (each offset anywhere within half its delay_s, uniformly: a camera's second placed between two
# readings), by least squares weighted by those intervals' variances; in ppm.  The stated uncertainty of
# a few rows is itself uncertain (six degrees of freedom from eight rows): this is the part the
# rows say beforehand.
interval_ppm() {
  awk -F, 'NR > 1 && $6 == "ok" && $5 > 0 { n++; x[n] = $2; w[n] = 12 / ($5 * $5) }
    END {
      for (i = 1; i <= n; i++) { sw += w[i]; swx += w[i] * x[i] }
      if (n < 3 || sw <= 0) { print 0; exit }
      m = swx / sw
      for (i = 1; i <= n; i++) sxx += w[i] * (x[i] - m) ^ 2
      printf "%.6f\n", (sxx > 0 ? 4e6 / sqrt(sxx) : 0)
    }' "$1"
}

# sum A B...: their sum, as a decimal.
sum() { awk 'BEGIN { s = 0; for (i = 1; i < ARGC; i++) s += ARGV[i]; printf "%.9f\n", s }' "$@"; }

# jq_true [JQ OPTIONS] FILTER [FILE]: the jq filter is true of every JSON value of FILE, else
# stdin, and there is at least one (jq -e alone passes on empty input: a check that cannot fail).
jq_true() {
  local out
  out=$(jq "$@" 2>/dev/null) || return 1
  [ -n "$out" ] && ! grep -qvx true <<<"$out"
}

# json FIELD TEXT: one field of a one-line JSON object ("" for null).
json() { jq -r ".$1 // empty" <<<"$2"; }

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}

# camera_emulator NAME PORT [OPTIONS...]: tests/camera_emulator on
# 127.0.0.1:PORT (a CCAPI camera), started and listening when this returns.
camera_emulator() {
  local name=$1 port=$2 i
  shift 2
  start "$name" "$BIN/camera_emulator" --listen "127.0.0.1:$port" "$@"
  for i in $(seq $((DEADLINE_S * 20))); do
    grep -q "listening on" "$WORK/$name.log" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "camera emulator $name did not start" >&2
  return 1
}

# emulator_status PORT [SCHEME]: the emulator's /emulator/status (its true offset from
# this machine's clock, its PUT count, the last PUT body).
emulator_status() { curl -sk --max-time 5 "${2:-http}://127.0.0.1:$1/emulator/status"; }

# check_camera DESCRIPTION CAMSYNC_JSON PORT: the emulator's true offset from this
# machine's clock is what camsync --json measured last (after its set, or before
# when it set nothing), within the uncertainty camsync stated for it and 1 ms
# of rounding and drift.
check_camera() {
  local emu want err
  emu=$(json offset_s "$(emulator_status "$3")")
  want=$(jq -r '.offset_after_s // .offset_s' <<<"$2" 2>/dev/null || true)
  err=$(jq -r '(if .offset_after_s == null then .uncertainty_s else .uncertainty_after_s end) + 0.001' \
    <<<"$2" 2>/dev/null || echo -1)
  check "$1 ($emu s; camsync measured $want +- $err s)" near "$emu" "$want" "$err"
}

# ccapi_zone TZ: "STD DST", the standard offset (+HHMM) and the dst flag
# (true/false) a camera in zone TZ must be sent now, by GNU date alone (not
# our codec): the standard offset is the zone's offset in whichever of
# January and July has no summer time.
ccapi_zone() {
  local tz=$1 y jan jul std
  y=$(date +%Y)
  jan=$(TZ=$tz date -d "$y-01-15 12:00 UTC" +%z)
  jul=$(TZ=$tz date -d "$y-07-15 12:00 UTC" +%z)
  std=$jan
  [ "$(TZ=$tz date -d "$y-01-15 12:00 UTC" +%Z)" = "$(TZ=$tz date -d "$y-07-15 12:00 UTC" +%Z)" ] || {
    [ "${jul#+}" \< "${jan#+}" ] && [ "${jul:0:1}" = + ] && std=$jul
    [ "${jul:0:1}" = - ] && [ "${jan:0:1}" = - ] && [ "${jul#-}" \> "${jan#-}" ] && std=$jul
  }
  if [ "$(TZ=$tz date +%z)" != "$std" ]; then echo "$std true"; else echo "$std false"; fi
}

# ccapi_utc DATETIME DST: the Unix time a CCAPI date string and dst flag
# stand for, by GNU date (0 if it cannot read it): wall clock - zone - dst.
ccapi_utc() {
  local utc
  utc=$(date -d "$1" +%s 2>/dev/null || echo 0)
  if [ "$2" = true ]; then echo $((utc - 3600)); else echo "$utc"; fi
}

# boot_fields AGE_S: the "boot_id" and "boot_time_s" members of a sync-state
# record made AGE_S seconds ago in this boot (/proc/uptime is CLOCK_BOOTTIME;
# a time before the boot is recorded as 0).
boot_fields() {
  printf '"boot_id":"%s","boot_time_s":%s' "$(cat /proc/sys/kernel/random/boot_id)" \
    "$(awk -v age="$1" '{ t = $1 - age; printf "%.3f", t < 0 ? 0 : t }' /proc/uptime)"
}

# sync_state PATH AGE_S: a sync-state file recording a sync AGE_S seconds ago, in this boot.
sync_state() {
  printf '{"last_sync_unix":%s,"source":"ntp:127.0.0.1","offset_s":0.0001,%s}\n' \
    "$(awk -v now="$(date +%s.%N)" -v age="$2" 'BEGIN { printf "%.3f", now - age }')" "$(boot_fields "$2")" >"$1"
}

# phone_set URL ORIGIN CAFILE [EXTRA_JSON_FIELDS]: the set a phone's page makes,
# timed in one process as the page times it (tests/support/phone_set.py: the
# least-delay of 8 exchanges, then POST /set).  ORIGIN: the Origin header (""
# for none); CAFILE: the certificate an https URL is checked against.  Sent from
# $PHONE_SOURCE if set, by `$PHONE_RUN python3` (e.g. nsenter into a container's
# network) if set.  The answer's body in $set, its HTTP status in $set_code.
phone_set() {
  local r
  # shellcheck disable=SC2086  # PHONE_RUN is a command and its arguments
  r=$(${PHONE_RUN:-} python3 "$REPO/tests/support/phone_set.py" "$@" ${PHONE_SOURCE:+--source "$PHONE_SOURCE"}) || true
  { read -r _; read -r set; read -r set_code; } <<<"$r" || true
}

# curl_set HOST:PORT [EXTRA_JSON_FIELDS]: phone_set over HTTP, without an Origin.
curl_set() { phone_set "http://$1" "" "" "${2:-}"; }

# set_within WANT_S: the last curl_set set the clock, by WANT_S within the uncertainty its
# answer states (its exchange's half round trip, and more) and the 1 ms of the
# test's millisecond timestamps.
set_within() {
  [ "$(json result "$set")" = set ] &&
    near "$(json offset_s "$set")" "$1" "$(sum "$(json uncertainty_s "$set")" 0.001)"
}

# board_set URL [EXTRA_JSON_FIELDS]: the set a board's own page makes: one
# exchange and PUT /time from the board's origin, timed in one process,
# measured again (at most 5 times) while the board answers "measure again"
# (tests/support/phone_set.py --board).  The answer in $out, the exchange's
# stamps in $t1 and $t4 (ms), its token in $token.
board_set() {
  local r
  r=$(python3 "$REPO/tests/support/phone_set.py" "$1" "$1" "" "${2:-}" --board) || true
  { read -r t1 t4 token; read -r out; } <<<"$r" || true
}

# random_offset: a random clock error in seconds, 2 to 30 s either way (3
# decimals), for the benchmarks that set a wrong clock right.
random_offset() { awk -v r="$RANDOM" -v s="$RANDOM" 'BEGIN { o = 2 + (r % 2800) / 100.0; if (s % 2) o = -o; printf "%.3f", o }'; }
