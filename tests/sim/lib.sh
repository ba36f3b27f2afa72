# Shared helpers for the simulation tests: sntpd disciplining a simulated clock over a
# simulated network, next to chronyd in its place, judged as chrony's own simulation tests
# judge chronyd: by the RMS and maximum offset and the RMS frequency error after a warm-up.
#
# The simulator is clknetsim (chrony's, upstream): its server runs the simulated clocks and
# network, and every daemon of a simulation runs with clknetsim.so preloaded, which turns the
# daemon's clock, timer and socket calls into requests to that server.  Simulated time runs as
# fast as the daemons let it: 40 000 s take seconds.  sim_setup builds clknetsim once per build
# tree from $CLKNETSIM_PATH (a clone of https://github.com/mlichvar/clknetsim), else from
# ../shared/tools/clknetsim beside the project, with tests/sim/clknetsim.patch applied (what
# sntpd needs that chronyd does not: SOCK_NONBLOCK/SOCK_CLOEXEC, CLOCK_BOOTTIME, signalfd,
# capget/capset, and reading a socket until it is empty while another one has a packet; and for
# both, CLKNETSIM_PPS_STOP: the pulse of the PPS device stops at that simulated time, s; and
# CLKNETSIM_PPS_FREQ: the pulse from an oscillator of its own, "F0[,A,P]": F0 fast plus A
# sin(2 pi t / P), s per s).
#
# A scenario script sets what it changes (the variables below), then calls sim_setup and
# sim_scenario: for each seed, the same simulation twice, once with sntpd as the daemon under
# test and once with chronyd (default options: `server ADDR`).  Nodes:
#   1..SERVERS   chronyd `local stratum 1`: the upstream servers, perfect clocks unless the
#                scenario says otherwise;
#   D=SERVERS+1  the daemon under test: its clock is judged against node 1's (the upstream's
#                time: true time, but where a scenario steps node 1);
#   P=SERVERS+2  the probe, for the honesty check: a chronyd -x (reads its clock, never sets
#                it) with the daemon as a noselect server (else -x still corrects chronyd's
#                own idea of the time from it), whose clock is node 1's, asking every 64 to 256 s for
#                the whole run and logging every reply (measurements.log).  clknetsim makes a
#                process a node for the whole run (clknetsim.so registers it as its node when it
#                starts), so a loop of one-shot ntpprobe runs cannot be one;
#   SERVERS+3    where the scenario gives the daemon a temperature sensor (SENSOR_RECORDS), its
#                writer (sensor_writer.c), which sleeps in simulated time to each change of the
#                reading and writes it to the file the daemon reads.
# Each synchronized reply (leap indicator not 3) must satisfy |offset| <= root delay / 2 + root
# dispersion + delay / 2 + the probe's own dispersion: the error the daemon states, plus what
# the measurement adds.  One reply of sntpd's outside fails the test; chronyd's are a control,
# shown.  sntpd's median of each judged figure over the seeds may be at most SIM_LIMIT times
# chronyd's median (the limits are below, in one place).
#
# Nothing here touches this machine's clock or network: every daemon has clknetsim.so
# preloaded (sim_setup checks that the preload takes before the first one starts), and the
# whole test runs in a private user, network and PID namespace (tests/interop/lib.sh), where
# CAP_SYS_TIME does not reach the machine's clock, no packet leaves, and every process it
# started ends with it.  sntpd runs as root of that namespace (--user root): the namespace
# maps no other user.
#
# Every run is kept for post-mortem in $LANSYNC_SIM_RUNS/SCENARIO/DAEMON-seedN: the daemon's
# log, clknetsim's stats and logs (log.offset, log.freq and log.packets gzipped), the probe's
# measurements and violations, the figures.
#
# Environment: LANSYNC_BIN (the binaries); LANSYNC_SIM_BUILD (where clknetsim is built; CMake
# passes BUILD_DIR/clknetsim); LANSYNC_SIM_RUNS (default LANSYNC_SIM_BUILD/runs);
# CLKNETSIM_PATH; LANSYNC_SIM_LENGTH_S (simulated seconds per run, default 40000: less for a
# quick local run); LANSYNC_SIM_SEEDS (default 1 to 9: with 3, a median is left to chance);
# LANSYNC_SIM_JOBS (simulations side by side, default one per core: each is mostly a ping-pong
# of two processes); LANSYNC_SIM_REPORT (a file to which every figure is appended as "scenario
# daemon seed figure value", for bench/discipline.sh); LANSYNC_SIM_BENCH (1: the scenarios for the
# bench, which skip otherwise, run: thermal.sh); LANSYNC_SIM_SENSOR_EXEC (1: a
# sensor is written through clknetsim's -e instead of its node, below).
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"

SIM_BUILD=${LANSYNC_SIM_BUILD:-$REPO/build/clknetsim}
SIM_RUNS=${LANSYNC_SIM_RUNS:-$SIM_BUILD/runs}
SIM_PATCH=$REPO/tests/sim/clknetsim.patch
SIM_LENGTH_S=${LANSYNC_SIM_LENGTH_S:-40000}
SIM_SEEDS=${LANSYNC_SIM_SEEDS:-1 2 3 4 5 6 7 8 9}
SIM_WARMUP_S=$((SIM_LENGTH_S / 2 < 2000 ? SIM_LENGTH_S / 2 : 2000))  # figures are taken after it
SIM_MID_S=$((SIM_LENGTH_S / 2))  # when a mid-run event happens
SIM_DEADLINE_S=600               # the longest one simulation may take (it ends a hung daemon)
SIM_JOBS=${LANSYNC_SIM_JOBS:-$(nproc)}  # simulations run side by side
SIM_NAME=$(basename "$0" .sh)

# The limits, in one place: sntpd's median of a figure over the seeds may be at most this many
# times chronyd's.  SIM_LIMIT[FIGURE] holds for every scenario; SIM_LIMIT[SCENARIO.FIGURE], if
# set, for that scenario only, e.g. SIM_LIMIT[wifi.max_offset]=1.5.
declare -A SIM_LIMIT=(
  [rms_offset]=1.0  # RMS offset after the warm-up
  [max_offset]=1.0  # maximum |offset| after the warm-up
  [rms_freq]=1.0    # RMS frequency error after the warm-up
  [requests]=1.0    # requests sent to the upstreams over the whole run
  [first_1ms]=1.0   # time to the first |offset| < 1 ms (start_offset)
  [max_offset_window]=1.0  # maximum |offset| in WINDOW_FROM_S..WINDOW_UNTIL_S (temp_outage_*)
  # Where a figure is not at the goal, or close to it: sntpd's median / chronyd's over seeds 1-9
  # in brackets, the limit a little above it, so that it cannot get worse.  Simulated time: the
  # same figures on any machine and in any build.  Nine seeds cannot tell 10 % apart: a figure
  # within that moves either way with the seeds (bench/discipline.sh runs 18).
  [drift_restart.rms_freq]=1.1     # (1.03)
  [example.rms_freq]=1.05          # (0.95)
  [gps_pulse_stops.rms_offset]=1.05  # (0.99: 3.17 ms against 3.22 after the pulse stopped; 0.85
  [gps_pulse_stops.max_offset]=1.05  # (1.00)  and 0.63 over seeds 1-18)
  [loss.requests]=1.05             # (1.03: 70 against 68, the burst at the start; a lost reply is
                                   # asked again sooner, to keep the reference within --max-age,
                                   # and made up for by longer intervals after it; 69 against
                                   # 68.5 over seeds 1-18)
  [outage.rms_freq]=1.1            # (1.04; 0.86 over seeds 1-18)
  [upstream_step.max_offset]=1.05  # (1.00: the step itself, 0.1 s)
  [upstream_step.requests]=1.05    # (1.01: 95 against 94)
  [wifi.rms_offset]=0.8            # (0.70: the goal; 0.82 over seeds 1-18, 95 % interval 0.69-1.08;
                                   # 0.74 over 1-72, 0.68-0.82; bench/README.md)
  # With the sensor (sntpd --temperature against chronyd's defaults, in the tests): issue 64's
  # goal is 0.5; seeds 1-9 in brackets (2026-11-29 23:30Z: the wander learnt, the poll at most
  # 512 s; seeds 1-18 after the semicolon), the limit a little above.  The requests: where the
  # room moves smoothly chronyd's poll stays long and sntpd's stops at 512 s (against chronyd
  # with maxpoll 9 too, sntpd is 0.52 x its RMS offset in the hourly room at 0.97 x its requests).
  [temp_hourly_sensor.rms_offset]=0.6    # (0.53; 0.50)
  [temp_hourly_sensor.max_offset]=0.9    # (0.78; 0.72)
  [temp_hourly_sensor.rms_freq]=0.65     # (0.57; 0.53)
  [temp_hourly_sensor.requests]=1.6      # (1.52; 1.45)
  [temp_load_sensor.rms_offset]=0.5      # (0.40; 0.36)
  [temp_load_sensor.max_offset]=0.5      # (0.38; 0.36)
  [temp_load_sensor.rms_freq]=0.25       # (0.18; 0.20)
  [temp_load_sensor.requests]=1.1        # (0.99; 0.97)
  [temp_freezer_sensor.rms_offset]=0.45  # (0.33; 0.34)
  [temp_freezer_sensor.max_offset]=0.55  # (0.42; 0.43)
  [temp_freezer_sensor.rms_freq]=0.35    # (0.25; 0.28)
  [temp_freezer_sensor.requests]=1.2     # (1.09; 1.04)
  # The temperature's scenarios (thermal.sh), sntpd without a sensor, for the bench: seeds 1-9 in
  # brackets (2026-11-29 09:00Z: the ramp model's register judged by a parabola; seeds 1-18 after
  # the semicolon), the limit a little above.
  [temp_hourly.rms_offset]=1.05             # (0.99; 0.95)
  [temp_hourly.max_offset]=1.1              # (1.00; 1.05)
  [temp_hourly.rms_freq]=1.1                # (1.05; 0.99)
  [temp_load.rms_offset]=1.15               # (1.04; 0.99)
  [temp_load.max_offset]=1.05               # (0.90; 0.89)
  [temp_freezer.rms_offset]=1.1             # (1.04; 0.97)
  [temp_freezer.max_offset]=1.1             # (1.03; 0.96)
  [temp_daily.rms_offset]=0.9               # (0.80; 0.79)
  [temp_daily.max_offset]=1.0               # (0.90; 0.81)
  [temp_outage_1h.rms_offset]=0.85          # (0.73; 0.75)
  [temp_outage_1h.max_offset]=0.8           # (0.57; 0.67)
  # Through the outages sntpd follows the day before's frequency (thermal/shape_keeper), since
  # 2026-11-28 21:00Z: the largest |offset| from the outage's start to an hour after it, 0.69x
  # chronyd's at seeds 1-9 (1 h; 0.75 over 1-18, its interval 0.36-1.21: an hour's drift is
  # small beside the noise), 0.14x (6 h; 0.16), 0.40x (24 h; 0.35).  temp_outage_6h runs in the
  # tests (thermal.sh).
  # With the ramp model (2026-11-29, seeds 1-9): 6 h 0.17, 0.17, 0.06, 0.17; 24 h 0.25, 0.35,
  # 0.46, 0.35.
  [temp_outage_6h.rms_offset]=0.3           # (0.18)
  [temp_outage_6h.max_offset]=0.3           # (0.14)
  [temp_outage_6h.rms_freq]=0.15            # (0.05: the slew of the offset, after)
  [temp_outage_6h.max_offset_window]=0.3    # (0.14)
  [temp_outage_24h.rms_offset]=0.45         # (0.22; 0.26 over seeds 1-18)
  [temp_outage_24h.max_offset]=0.55         # (0.40; 0.35)
  [temp_outage_24h.rms_freq]=0.8            # (0.56; 0.44)
  [temp_outage_24h.max_offset_window]=0.55  # (0.40; 0.35)
  # With chronyd given tempcomp (the true coefficients): the freezer's door, where chronyd's
  # correction follows the sensor at once and sntpd's curve has to learn the lag, 1.05x at
  # seeds 1-18 (interval 0.83-1.26) in RMS offset, 1.07x (0.91-1.54) in maximum.
  # Since the wander is learnt and the poll stops at 512 s with a sensor (2026-11-29 23:30Z), 0.62x
  # and 0.86x at seeds 1-18, at 1.51x chronyd's requests: chronyd, its crystal corrected by the
  # true coefficients, polls at 1 024 s there, as in every _tempcomp variant (1.06-1.75x).
  [temp_freezer_tempcomp.rms_offset]=0.8    # (0.62 over seeds 1-18)
  [temp_freezer_tempcomp.max_offset]=1.0    # (0.86 over seeds 1-18)
  [temp_hourly_tempcomp.requests]=1.6       # (1.49)
  [temp_load_tempcomp.requests]=1.3         # (1.06)
  [temp_freezer_tempcomp.requests]=1.6      # (1.51)
  [temp_daily_tempcomp.requests]=1.85       # (1.71)
  [temp_outage_1h_tempcomp.requests]=1.85   # (1.75)
  [temp_outage_6h_tempcomp.requests]=1.85   # (1.73)
  [temp_outage_24h_tempcomp.requests]=1.85  # (1.71)
  [temp_outage_24h_sensor.requests]=1.2     # (1.11: polled at 512 s where chronyd's poll climbs)
  # A DS3231's pulse followed (the _pps variants, against chronyd's refclock PPS local; seeds 1-18
  # of 2026-11-29 in brackets): after an outage sntpd slews the milliseconds it gained away in
  # seconds, chronyd in minutes (the frequency error), and it asks 2-7 % more while it does.
  # temp_load_pps runs in the tests: 0.78 (RMS), 0.78 (max), 0.53 (frequency) at seeds 1-9.
  [temp_load_pps.rms_offset]=0.9            # (0.70)
  [temp_load_pps.max_offset]=0.95           # (0.85)
  [temp_load_pps.rms_freq]=0.7              # (0.55)
  [temp_outage_6h_pps.rms_freq]=2.6         # (2.25)
  [temp_outage_6h_pps.requests]=1.1         # (1.07)
  [temp_outage_24h_pps.rms_freq]=2.5        # (0.72, interval 0.25-2.17)
  [temp_outage_24h_pps.requests]=1.05       # (1.02)
)
# sntpd's replies outside their bound that a scenario may have: none (a scenario that needs one
# lists it here, with why).
declare -A SIM_HONESTY_MISSES=()

# What the figures are, as the tables print them.
declare -A SIM_TITLE=(
  [rms_offset]="RMS offset (s)" [max_offset]="max |offset| (s)" [rms_freq]="RMS frequency error (ppm)"
  [requests]="requests sent to the upstreams" [first_1ms]="time to the first |offset| < 1 ms (s)"
  [lost_fraction]="packets lost between the daemon and its servers (fraction)"
  [max_offset_window]="max |offset| in the window (s)"
)
SIM_FIGURES=(rms_offset max_offset rms_freq requests first_1ms)  # the tables printed, in order

# What a scenario may change (chrony's example network by default: one server, a clock whose
# frequency wanders by 1e-9 per second, 1 ms plus an exponential of mean 1 ms each way).
SERVERS=1
DAEMON_FREQ="(sum (* 1e-9 (normal)))"   # the daemon node's frequency error (s per s)
DAEMON_OFFSET=0.0                       # its clock's error at the start (s)
DELAY_UP="(+ 1e-3 (* 1e-3 (exponential)))"    # daemon -> each server (s; negative: lost)
DELAY_DOWN=$DELAY_UP                          # each server -> daemon
PROBE_DELAY="(+ 1e-3 (* 1e-3 (exponential)))" # probe <-> daemon, each way
FOLLOW_SERVERS=1   # 0: the daemon under test is not given the servers (it follows a reference clock)
CHRONY_SERVER_OPTIONS=""  # options of chronyd's server lines, as the daemon under test (e.g. iburst)
CHRONY_OPTIONS=()  # more chrony.conf lines for chronyd as the daemon under test (@RUN@: the run's directory)
SNTPD_OPTIONS=()   # more sntpd options (@RUN@ likewise)
# The daemon's temperature sensor, if the scenario gives it one: a file of its readings, one
# fixed-width record a simulated second (@RUN@ as above; tests/sim/thermal.py writes them).
# sensor_writer (sensor_writer.c), a node of the simulation of its own (SERVERS+3), copies
# second t's record to RUN/sensor, the file the daemon reads (sntpd's --temperature, chronyd's
# tempcomp), at each second whose reading differs: some 0.3 s of wall time per 40 000
# simulated s, where a run takes 0.5 to 2 s.  LANSYNC_SIM_SENSOR_EXEC=1: clknetsim's -e runs it
# at every simulated second instead, exactly as clknetsim updates the clocks, but a fork each:
# 9.5 ms here, 380 s per 40 000 simulated s.  Empty: no sensor.
SENSOR_RECORDS=""
JUDGED="rms_offset max_offset rms_freq requests"  # the figures judged; the others are shown
WARMUP_S=$SIM_WARMUP_S         # the judged run's figures are taken after this (s)
HONESTY_UNTIL_S=$SIM_LENGTH_S  # the honesty check takes the probe's replies before this time (s)
HONESTY_FROM_S=0               # and from this time (s)
WINDOW_FROM_S=0 WINDOW_UNTIL_S=0  # max_offset_window: the largest |offset| from WINDOW_FROM_S
                                  # to WINDOW_UNTIL_S (s; e.g. an outage and the hour after it)
STEADY_REFERENCE=1  # sntpd's reference, once an upstream, stays one (0 where the scenario silences them)
# scenario_conf (a function, if the scenario defines one): more clknetsim configuration lines,
# printed; D, P, SERVERS, SIM_LENGTH_S and SIM_MID_S are set.
# scenario_check DIR DAEMON SEED (likewise): runs after each judged simulation; what it finds
# wrong it reports with sim_failed.
# scenario_prepare DIR DAEMON SEED (likewise): runs before each judged simulation, whose
# daemon's files (state, drift) will be in DIR/daemon.

# sim_length DEFAULT_S [MIN_S]: a scenario's own length: SIM_LENGTH_S (LANSYNC_SIM_LENGTH_S, else
# DEFAULT_S, never under MIN_S: what the scenario's events need), and the honesty check's end with it.
sim_length() {
  SIM_LENGTH_S=${LANSYNC_SIM_LENGTH_S:-$1}
  [ "$SIM_LENGTH_S" -ge "${2:-0}" ] || SIM_LENGTH_S=$2
  HONESTY_UNTIL_S=$SIM_LENGTH_S
}

# sim_setup "$@": skips (77) when clknetsim's source or chronyd is missing, enters the private
# namespaces, builds clknetsim (once per build tree) and checks that its preload takes.
sim_setup() {
  local src=${CLKNETSIM_PATH:-$REPO/../shared/tools/clknetsim}
  if [ ! -f "$src/clknetsim.bash" ] || [ ! -f "$src/client.c" ]; then
    echo "SKIP: no clknetsim source at $src (set CLKNETSIM_PATH to a clone of https://github.com/mlichvar/clknetsim)"
    exit "$SKIP"
  fi
  command -v chronyd >/dev/null || { echo "SKIP: chronyd is not installed (chrony: the servers and the daemon compared)"; exit "$SKIP"; }
  [ -x "$BIN/sntpd" ] || { echo "FAIL  no sntpd in $BIN: build first"; exit 1; }
  enter_private_netns "$@"
  sim_build "$(cd "$src" && pwd)"
  SIM_CLKNETSIM=$SIM_BUILD/src/clknetsim
  SIM_PRELOAD=$SIM_BUILD/src/clknetsim.so
  sim_check_preload
}

# sim_build SOURCE: clknetsim from SOURCE, patched, built in $SIM_BUILD/src unless what is
# there was built from the same source and patch, and $SIM_BUILD/sensor_writer unless it is
# newer than its source.  One test builds; the others wait (flock).
sim_build() {
  local src=$1 stamp
  mkdir -p "$SIM_BUILD"
  exec 9>"$SIM_BUILD/build.lock"
  flock -w 600 9 || { echo "FAIL  clknetsim's build lock in $SIM_BUILD was held for 10 minutes"; exit 1; }
  stamp=$(cd "$src" && cat Makefile ./*.c ./*.cc ./*.h "$SIM_PATCH" | sha256sum)
  if [ "$(cat "$SIM_BUILD/stamp" 2>/dev/null)" != "$stamp" ] || [ ! -x "$SIM_BUILD/src/clknetsim" ]; then
    echo "building clknetsim from $src into $SIM_BUILD/src"
    rm -rf "$SIM_BUILD/src" "$SIM_BUILD/stamp"
    mkdir -p "$SIM_BUILD/src"
    (cd "$src" && tar --exclude=.git -cf - .) | (cd "$SIM_BUILD/src" && tar -xf -)
    if ! { make -C "$SIM_BUILD/src" SHELL=/bin/bash clean && (cd "$SIM_BUILD/src" && patch -p1 <"$SIM_PATCH") &&
      make -C "$SIM_BUILD/src" SHELL=/bin/bash; } >"$SIM_BUILD/build.log" 2>&1; then
      cat "$SIM_BUILD/build.log"
      echo "FAIL  clknetsim did not build (log: $SIM_BUILD/build.log)"
      exit 1
    fi
    echo "$stamp" >"$SIM_BUILD/stamp"
  fi
  local writer=$REPO/tests/sim/sensor_writer.c
  if [ ! "$SIM_BUILD/sensor_writer" -nt "$writer" ]; then
    cc -O2 -Wall -Wextra -Werror -o "$SIM_BUILD/sensor_writer" "$writer" ||
      { echo "FAIL  $writer did not build"; exit 1; }
  fi
  exec 9>&-
}

# sim_check_preload: a process with clknetsim.so preloaded and no server to reach says so and
# stops.  Were the preload refused (ld.so only warns), a daemon would run unsimulated.
sim_check_preload() {
  local out
  out=$(env LD_PRELOAD="$SIM_PRELOAD" CLKNETSIM_NODE=1 CLKNETSIM_SOCKET="$WORK/nothing" \
    CLKNETSIM_CONNECT_TIMEOUT=0 true 2>&1 || true)
  grep -q "clknetsim: could not connect" <<<"$out" ||
    { echo "FAIL  $SIM_PRELOAD does not preload ($out): nothing is started"; exit 1; }
}

# sim_node N LOG CMD...: CMD as node N of the simulation in $RUN, in the background, its
# output in LOG; its PID in NODE_PID (the command's own: env execs it).  ASAN_OPTIONS: an
# ASan-built sntpd accepts clknetsim.so ahead of its runtime, and is ended by SIGKILL.
sim_node() {
  local node=$1 log=$2
  shift 2
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:detect_leaks=0" \
    env LD_PRELOAD="$SIM_PRELOAD" CLKNETSIM_NODE="$node" CLKNETSIM_SOCKET="$RUN/sock" "$@" >"$log" 2>&1 &
  NODE_PID=$!
  disown "$NODE_PID"  # no "Killed" notice for sntpd; its end is waited for by its PID
  BG_PIDS+=("$NODE_PID")
}

# sim_chronyd N NAME CONF_LINES...: chronyd as node N, its files in $RUN/NAME.
sim_chronyd() {
  local node=$1 name=$2 opts=()
  shift 2
  [ "$name" = probe ] && opts=(-x)
  mkdir -p "$RUN/$name"
  printf '%s\n' "pidfile $RUN/$name/chronyd.pid" "cmdport 0" "allow" "$@" >"$RUN/$name/chrony.conf"
  sim_node "$node" "$RUN/$name.log" chronyd -d -u root "${opts[@]}" -f "$RUN/$name/chrony.conf"
}

# sim_sntpd N: sntpd as node N following the servers, its files in $RUN/daemon.
sim_sntpd() {
  local s upstreams=() sensor=(--temperature none)
  [ "$FOLLOW_SERVERS" = 0 ] || for s in $(seq "$SERVERS"); do upstreams+=(--upstream "192.168.123.$s"); done
  # No sensor but the scenario's: not the machine's own thermal zone, which the simulation knows nothing of.
  [[ " ${SNTPD_OPTIONS[*]} " == *" --temperature "* ]] && sensor=()
  sim_node "$1" "$RUN/daemon.log" "$BIN/sntpd" --config /dev/null --workers 0 --listen 0.0.0.0:123 --control '' \
    --user root --activity-log '' --state "$RUN/daemon/state.json" --drift-file "$RUN/daemon/drift" \
    "${sensor[@]}" "${upstreams[@]}" "${SNTPD_OPTIONS[@]//@RUN@/$RUN}"
}

# sim_conf: clknetsim's configuration of the scenario.
sim_conf() {
  local s
  echo "node${D}_offset = $DAEMON_OFFSET"
  echo "node${D}_freq = $DAEMON_FREQ"
  for s in $(seq "$SERVERS"); do
    echo "node${D}_delay${s} = $DELAY_UP"
    echo "node${s}_delay${D} = $DELAY_DOWN"
  done
  echo "node${P}_delay${D} = $PROBE_DELAY"
  echo "node${D}_delay${P} = $PROBE_DELAY"
  if declare -F scenario_conf >/dev/null; then scenario_conf; fi
}

# sim_sensor RECORDS NODE: the sensor's file, RUN/sensor, with second 0's record of RECORDS,
# then its writer (sensor_writer, which takes both paths from the environment): as node NODE
# (SENSOR_NODES=NODE, its PID in NODE_PID), or, with LANSYNC_SIM_SENSOR_EXEC=1, run by
# clknetsim's -e (the options in SENSOR_EXEC; SENSOR_NODES=NODE - 1, NODE_PID empty).
sim_sensor() {
  export SIM_SENSOR_RECORDS=$1 SIM_SENSOR_FILE=$RUN/sensor
  "$SIM_BUILD/sensor_writer" 0 || return 1
  if [ "${LANSYNC_SIM_SENSOR_EXEC:-0}" = 1 ]; then
    SENSOR_EXEC=(-e "$SIM_BUILD/sensor_writer") SENSOR_NODES=$(($2 - 1)) NODE_PID=""
  else
    SENSOR_EXEC=() SENSOR_NODES=$2
    sim_node "$2" "$RUN/sensor.log" "$SIM_BUILD/sensor_writer"
  fi
}

# sim_run DIR DAEMON SEED [WARMUP_S]: one simulation of the scenario with DAEMON (sntpd or
# chronyd) under test, its files in DIR (made afresh, but for DIR/daemon, which
# scenario_prepare may have filled); the figures in DIR/figures.  Fails when it did not run
# to its end.
sim_run() {
  local daemon=$2 seed=$3 warmup=${4:-$SIM_WARMUP_S} s node pids=() server start=$SECONDS
  RUN=$1
  D=$((SERVERS + 1)) P=$((SERVERS + 2))
  find "$RUN" -mindepth 1 -maxdepth 1 ! -name daemon -exec rm -rf {} + 2>/dev/null || true
  mkdir -p "$RUN/daemon"
  sim_conf >"$RUN/conf"
  export CLKNETSIM_RANDOM_SEED=$seed
  local nodes=$P exec_opts=()  # clknetsim's -e, if any
  if [ -n "$SENSOR_RECORDS" ]; then
    sim_sensor "${SENSOR_RECORDS//@RUN@/$RUN}" $((P + 1)) || return 1
    nodes=$SENSOR_NODES exec_opts=("${SENSOR_EXEC[@]}")
    [ -z "$NODE_PID" ] || pids+=("$NODE_PID")
  fi
  for s in $(seq "$SERVERS"); do
    sim_chronyd "$s" "server$s" "local stratum 1"
    pids+=("$NODE_PID")
  done
  if [ "$daemon" = sntpd ]; then
    sim_sntpd "$D"
  else
    local servers=()
    [ "$FOLLOW_SERVERS" = 0 ] || for s in $(seq "$SERVERS"); do servers+=("server 192.168.123.$s $CHRONY_SERVER_OPTIONS"); done
    sim_chronyd "$D" daemon "${servers[@]}" "${CHRONY_OPTIONS[@]//@RUN@/$RUN}"
  fi
  node=$NODE_PID
  # noselect: the probe never takes the daemon as its source, so its own (virtual, -x) clock is
  # never corrected from what it measures and stays the simulated truth.
  sim_chronyd "$P" probe "server 192.168.123.$D minpoll 6 maxpoll 8 noselect" "logdir $RUN/probe" "log measurements"
  pids+=("$NODE_PID")
  (cd "$RUN" && exec timeout -s KILL "$SIM_DEADLINE_S" "$SIM_CLKNETSIM" -o log.offset -f log.freq -p log.packets \
    -r "$warmup" -l "$SIM_LENGTH_S" -s "$RUN/sock" "${exec_opts[@]}" conf "$nodes" >stats 2>server.log) &
  server=$!
  sim_wait_done "$server"
  sim_stop "$daemon" "$node" "$server" "${pids[@]}"
  echo "$daemon $((SECONDS - start)) s" >"$RUN/wall"
  sim_figures "$warmup" >"$RUN/figures"
  gzip -f "$RUN/log.offset" "$RUN/log.freq" "$RUN/log.packets" 2>/dev/null || true  # a tenth of the space
  sim_run_ok "$daemon" "$seed" || { mv "$RUN/figures" "$RUN/figures.incomplete"; return 1; }
}

# sim_wait_done SERVER_PID: until clknetsim says the simulation is done, or it ended.
sim_wait_done() {
  while kill -0 "$1" 2>/dev/null; do
    grep -q "Running simulation\.\.\.done" "$RUN/server.log" 2>/dev/null && return 0
    sleep 0.1
  done
}

# sim_stop DAEMON DAEMON_PID SERVER_PID OTHER_PIDS...: ends the simulation's processes.  When
# it is done, clknetsim waits for each node to leave, last node first; chronyd leaves on the
# SIGTERM clknetsim.so sends it, but sntpd takes SIGTERM from a signalfd, which clknetsim does
# not simulate.  So sntpd is stopped, then (its last request answered) killed: killed while
# clknetsim answered it, clknetsim would abort and lose its logs.
sim_stop() {
  local daemon=$1 node=$2 server=$3 pid
  shift 3
  if [ "$daemon" = sntpd ] || ! wait_gone "$node" 10; then
    kill -STOP "$node" 2>/dev/null || true
    sleep 0.3
    kill -KILL "$node" 2>/dev/null || true
  fi
  wait_gone "$server" 30 || kill -TERM "$server" 2>/dev/null || true  # timeout passes it on
  SERVER_RC=0
  wait "$server" || SERVER_RC=$?
  for pid in "$@"; do wait_gone "$pid" 10 || kill -KILL "$pid" 2>/dev/null || true; done
}

# wait_gone PID SECONDS: until PID has ended, at most SECONDS.
wait_gone() {
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.05
  done
  return 1
}

# sim_figures WARMUP_S: the daemon's figures from clknetsim's logs of $RUN, as "name value"
# lines.  Offsets and frequencies are the daemon's clock's minus node 1's (one line per
# simulated second); requests are the packets it sent to the servers, lost ones too.
sim_figures() {
  awk -v d="$D" -v w="$1" -v wf="$WINDOW_FROM_S" -v wu="$WINDOW_UNTIL_S" 'BEGIN { first = -1 }
    { o = $d - $1; if (o < 0) o = -o
      if (first < 0 && o < 1e-3) first = NR
      if (NR > w) { n++; s += o * o; if (o > m) m = o }
      if (NR - 1 >= wf && NR - 1 < wu && o > mw) mw = o }
    END { printf "seconds %d\nrms_offset %.4e\nmax_offset %.4e\nfirst_1ms %d\n", NR, n ? sqrt(s / n) : -1, m, first
      if (wu > 0) printf "max_offset_window %.4e\n", mw }' \
    "$RUN/log.offset"
  awk -v d="$D" -v w="$1" 'NR > w { f = ($d - $1) * 1e6; n++; s += f * f }
    END { printf "rms_freq %.4e\n", n ? sqrt(s / n) : -1 }' "$RUN/log.freq"
  awk -v d="$D" -v k="$SERVERS" '
    ($2 == d && $3 <= k) || ($3 == d && $2 <= k) { both++; if ($4 < 0) lost++ }
    $2 == d && $3 <= k { sent++ }
    END { printf "requests %d\nlost_fraction %.3f\n", sent, both ? lost / both : 0 }' "$RUN/log.packets"
  sim_honesty
  echo "daemon_node $D"
  echo "warmup_s $1"
}

# sim_honesty: the probe's replies from the daemon from HONESTY_FROM_S, before HONESTY_UNTIL_S (measurements.log,
# whose times are the simulated time: leap status $4, offset
# $12, delay $13, the probe's dispersion $14, the reply's root delay $15 and root dispersion
# $16), as "honest_replies N", "honest_synchronized N", "honest_violations N" and
# "honest_worst R" (the largest |offset| / bound); each violation in $RUN/violations.  The
# log prints 4 digits: each bound has 0.05 % of the values and 1 us more for the rounding.
sim_honesty() {
  awk -v out="$RUN/violations" -v from="$HONESTY_FROM_S" -v until="$HONESTY_UNTIL_S" '
    $1 ~ /^[0-9][0-9][0-9][0-9]-/ {
      split($1, day, "-"); split($2, hms, ":")
      t = (day[3] - 1) * 86400 + hms[1] * 3600 + hms[2] * 60 + hms[3]
      if (t < from || t >= until) next
      n++
      if ($4 == "?") next
      sync++
      off = $12 < 0 ? -$12 : $12
      bound = $15 / 2 + $16 + $13 / 2 + $14
      bound += 1e-6 + 5e-4 * (off + bound)
      if (off / bound > worst) worst = off / bound
      if (off > bound) {
        bad++
        printf "%d s: |offset| %.3e s > %.3e s (root delay %s, root dispersion %s, delay %s)\n",
          t, off, bound, $15, $16, $13 >out
      }
    }
    END { printf "honest_replies %d\nhonest_synchronized %d\nhonest_violations %d\nhonest_worst %.3f\n",
      n, sync, bad, worst }' "$RUN/probe/measurements.log" 2>/dev/null ||
    printf 'honest_replies 0\nhonest_synchronized 0\nhonest_violations 0\nhonest_worst 0\n'
  : >>"$RUN/violations"
}

# sim_run_ok DAEMON SEED: the run went to its end, the daemon said nothing of the sanitizers;
# else fails, with the tails of the logs.
sim_run_ok() {
  local seconds why=""
  seconds=$(fig seconds "$RUN")
  [ "$seconds" -ge "$SIM_LENGTH_S" ] 2>/dev/null || why="the simulation stopped at ${seconds:-0} of $SIM_LENGTH_S s"
  [ "$SERVER_RC" -eq 0 ] || why="${why:+$why; }clknetsim exited with $SERVER_RC"
  if grep -qE "runtime error:|ERROR: (Address|Leak|Undefined)Sanitizer" "$RUN/daemon.log" 2>/dev/null; then
    why="${why:+$why; }the sanitizers reported an error"
  fi
  # A server that answers is followed to the end: sntpd's reference, once an upstream, changes
  # to nothing else (the sync-state file, unsynchronized) while it answers.
  local left
  if [ "$1" = sntpd ] && [ "$STEADY_REFERENCE" = 1 ] &&
    left=$(awk '/reference: upstream/ { up = 1; next } up && /reference: / { print; exit }' "$RUN/daemon.log") &&
    [ -n "$left" ]; then
    why="${why:+$why; }its reference left the upstream servers: ${left#sntpd: }"
  fi
  [ -n "$why" ] || return 0
  sim_failed "$SIM_NAME, $1 seed $2: $why (logs in $RUN)"
  tail -n 5 "$RUN/server.log" "$RUN/daemon.log" 2>/dev/null | sed 's/^/    /'
  return 1
}

# fig NAME DIR: one figure of the run in DIR ("" if none).
fig() { awk -v k="$1" '$1 == k { print $2 }' "$2/figures" 2>/dev/null || true; }

# median VALUES...: their median (the mean of the middle two for an even count).
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR) print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# comparable FIGURE VALUE: VALUE with "never" (-1) as later than any time.
comparable() { if [ "$1" = first_1ms ] && [ "$2" -lt 0 ]; then echo 1e300; else echo "$2"; fi; }

# ratio A B: A / B ("-" when either is missing or B is 0, "inf" when A never came).
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else if (a >= 1e300) print "inf"
    else printf "%.2f", a / b }'
}

# sim_limit FIGURE: the limit for this scenario.
sim_limit() { echo "${SIM_LIMIT[$SIM_NAME.$1]:-${SIM_LIMIT[$1]:-}}"; }

# sim_scenario TITLE: every seed with both daemons (SIM_JOBS runs at a time, each with its
# scenario_prepare), the tables, the judgement; exits with the result.
sim_scenario() {
  local seed daemon f job
  echo "== sim.$SIM_NAME: $1"
  echo "   $SIM_LENGTH_S simulated s per run, figures after $WARMUP_S s;" \
    "seeds $SIM_SEEDS; runs kept in $SIM_RUNS/$SIM_NAME"
  rm -rf "${SIM_RUNS:?}/$SIM_NAME"
  mkdir -p "$SIM_RUNS/$SIM_NAME"
  for seed in $SIM_SEEDS; do
    for daemon in sntpd chronyd; do
      while [ "$(jobs -rp | wc -l)" -ge "$SIM_JOBS" ]; do wait -n || true; done
      sim_job "$SIM_RUNS/$SIM_NAME/$daemon-seed$seed" "$daemon" "$seed" >"$SIM_RUNS/$SIM_NAME/$daemon-seed$seed.out" 2>&1 &
    done
  done
  wait || true
  for seed in $SIM_SEEDS; do
    for daemon in sntpd chronyd; do
      job=$SIM_RUNS/$SIM_NAME/$daemon-seed$seed
      cat "$job.out"
      [ ! -f "$job.failures" ] || while read -r f; do failed "$f"; done <"$job.failures"
      sim_report "$job" "$daemon" "$seed"
    done
    echo "   seed $seed ran: $(cat "$SIM_RUNS/$SIM_NAME/sntpd-seed$seed/wall" 2>/dev/null)," \
      "$(cat "$SIM_RUNS/$SIM_NAME/chronyd-seed$seed/wall" 2>/dev/null)"
  done
  for f in "${SIM_FIGURES[@]}"; do sim_table "$f"; done
  sim_honesty_table
  finish
}

# sim_job DIR DAEMON SEED: scenario_prepare, the judged run and scenario_check, in a job of its own; its
# failures, one a line, in DIR.failures (the caller counts them).
sim_job() {
  JOB_FAILURES=$1.failures
  : >"$JOB_FAILURES"
  mkdir -p "$1/daemon"
  if declare -F scenario_prepare >/dev/null; then scenario_prepare "$1" "$2" "$3" || true; fi
  if ! sim_run "$1" "$2" "$3" "$WARMUP_S" && grep -q "accept() failed" "$1/server.log" 2>/dev/null; then
    # clknetsim waits 10 s (CONNECT_TIMEOUT) for each node to connect before the simulation
    # starts; on a loaded machine a node may come later.  Nothing was simulated, so it runs again, once.
    echo "   $SIM_NAME, $2 seed $3: a node did not connect within clknetsim's 10 s; run again"
    : >"$JOB_FAILURES"
    rm -rf "$1/daemon"
    mkdir -p "$1/daemon"
    if declare -F scenario_prepare >/dev/null; then scenario_prepare "$1" "$2" "$3" || true; fi
    sim_run "$1" "$2" "$3" "$WARMUP_S" || true
  fi
  if declare -F scenario_check >/dev/null; then scenario_check "$1" "$2" "$3" || true; fi
}

# sim_failed DESCRIPTION: a failure of the job (failed, where there is no job).
sim_failed() {
  if [ -n "${JOB_FAILURES:-}" ]; then echo "$*" >>"$JOB_FAILURES"; else failed "$*"; fi
}

# sim_report DIR DAEMON SEED: the run's figures appended to $LANSYNC_SIM_REPORT, if set.
sim_report() {
  [ -n "${LANSYNC_SIM_REPORT:-}" ] || return 0
  awk -v s="$SIM_NAME" -v d="$2" -v n="$3" -v dir="$1" '{ print s, d, n, $1, $2 } END { print s, d, n, "dir", dir }' \
    "$1/figures" >>"$LANSYNC_SIM_REPORT" 2>/dev/null || true
}

# sim_table FIGURE: a line per seed (sntpd, chronyd, ratio) and the medians; judges the
# figure when the scenario does.
sim_table() {
  local f=$1 seed s c ss=() cs=() ms mc limit judged=""
  [[ " $JUDGED " == *" $f "* ]] && judged=1
  limit=$(sim_limit "$f")
  echo
  if [ -n "$judged" ]; then
    echo "${SIM_TITLE[$f]}: judged, sntpd's median <= $limit x chronyd's"
  else
    echo "${SIM_TITLE[$f]}: shown, not judged here"
  fi
  printf '  %-8s %12s %12s %8s\n' seed sntpd chronyd ratio
  for seed in $SIM_SEEDS; do
    s=$(fig "$f" "$SIM_RUNS/$SIM_NAME/sntpd-seed$seed")
    c=$(fig "$f" "$SIM_RUNS/$SIM_NAME/chronyd-seed$seed")
    [ -z "$s" ] || { s=$(comparable "$f" "$s"); ss+=("$s"); }
    [ -z "$c" ] || { c=$(comparable "$f" "$c"); cs+=("$c"); }
    printf '  %-8s %12s %12s %8s\n' "$seed" "$(sim_show "$f" "$s")" "$(sim_show "$f" "$c")" "$(ratio "$s" "$c")"
  done
  ms=$(median "${ss[@]}")
  mc=$(median "${cs[@]}")
  printf '  %-8s %12s %12s %8s\n' median "$(sim_show "$f" "$ms")" "$(sim_show "$f" "$mc")" "$(ratio "$ms" "$mc")"
  [ -n "$judged" ] || return 0
  check "${SIM_TITLE[$f]}: sntpd's median $(sim_show "$f" "$ms") <= $limit x chronyd's $(sim_show "$f" "$mc")" \
    awk -v s="$ms" -v c="$mc" -v l="$limit" 'BEGIN { exit !(s != "" && c != "" && s <= l * c) }'
}

# sim_show FIGURE VALUE: a figure as the tables print it ("-": none, "never": a time
# that never came).
sim_show() {
  awk -v f="$1" -v v="$2" 'BEGIN {
    if (v == "") print "-"; else if (v >= 1e300) print "never"
    else if (f == "requests" || f == "first_1ms") printf "%d", v
    else if (f == "lost_fraction") printf "%.3f", v; else printf "%.3e", v }'
}

# sim_honesty_table: the probe's replies per seed; fails on any of sntpd's outside their bound,
# or when the probe got no synchronized reply from sntpd (a check that could not fail).
sim_honesty_table() {
  local seed d dir total=0 bad=0 cbad=0 ctotal=0 n v
  echo
  echo "honesty: a client with a perfect clock asks every 64-256 s; each synchronized reply" \
    "$([ "$HONESTY_FROM_S" -gt 0 ] && echo "from $HONESTY_FROM_S s ")$([ "$HONESTY_UNTIL_S" -lt "$SIM_LENGTH_S" ] && echo "before $HONESTY_UNTIL_S s ")needs"
  echo "  |offset| <= root delay/2 + root dispersion + delay/2 + its own dispersion (chronyd: control, shown)"
  printf '  %-8s %-8s %8s %13s %11s %7s\n' seed daemon replies synchronized outside worst
  for seed in $SIM_SEEDS; do
    for d in sntpd chronyd; do
      dir=$SIM_RUNS/$SIM_NAME/$d-seed$seed
      n=$(fig honest_synchronized "$dir")
      v=$(fig honest_violations "$dir")
      printf '  %-8s %-8s %8s %13s %11s %7s\n' "$seed" "$d" "$(fig honest_replies "$dir")" "${n:-0}" "${v:-0}" \
        "$(fig honest_worst "$dir")"
      if [ "$d" = sntpd ]; then
        total=$((total + ${n:-0})) bad=$((bad + ${v:-0}))
        [ "${n:-0}" -gt 0 ] || failed "honesty: the probe got no synchronized reply from sntpd, seed $seed: nothing to check"
        [ "${v:-0}" -eq 0 ] || head -n 3 "$dir/violations" | sed "s/^/    seed $seed: /"
      else
        ctotal=$((ctotal + ${n:-0})) cbad=$((cbad + ${v:-0}))
      fi
    done
  done
  local allowed=${SIM_HONESTY_MISSES[$SIM_NAME]:-0}
  check "honesty: $bad of sntpd's $total synchronized replies outside their bound (at most $allowed)" \
    [ "$bad" -le "$allowed" ]
  echo "info  honesty, chronyd (control): $cbad of its $ctotal synchronized replies outside their bound"
}
