# Shared by the temp_* scenarios, sourced after lib.sh (a helper, not a test: no #! line): a
# Raspberry Pi's crystal whose frequency follows the temperature, offline for hours in a garage,
# a tent or a room whose heating cycles.  tests/sim/thermal.py has the physics (the ambient and
# the CPU load, the SoC's sensor, the crystal lagging behind it, its parabola); a run's seed
# draws its weather, its load, its sensor's noise and its crystal's offset F0.  The daemon
# node's frequency is the crystal's (clknetsim's `(file ...)`, one line a simulated second) plus
# chrony's example wander, 1e-9 per second.
#
# Each scenario NAME.sh sets THERMAL (the physics: hourly, load, freezer or daily) and its
# length, and calls thermal_scenario; two small scripts beside it source it with a variant,
# each a pair lib.sh judges at the same seeds (sntpd's figures against chronyd's):
#   NAME.sh           THERMAL_VARIANT=none:     sntpd without a sensor against chronyd's defaults;
#   NAME_sensor.sh    THERMAL_VARIANT=sensor:   sntpd --temperature RUN/sensor, chronyd's defaults;
#   NAME_tempcomp.sh  THERMAL_VARIANT=tempcomp: sntpd --temperature RUN/sensor against chronyd
#                     with `tempcomp RUN/sensor 16 T0 K0 K1 K2`, the coefficients true at steady
#                     state (thermal.py works them out per seed: T0 is the mean reading);
#   NAME_pps.sh       THERMAL_VARIANT=pps:      a steady oscillator's pulse on /dev/pps0 (a DS3231's
#                     SQW, a TCXO: 1.5 ppm fast, and 0.2 ppm more or less over the day as its
#                     compensation misses the room's temperature; PULSE_FREQ, the patch's
#                     CLKNETSIM_PPS_FREQ "F0,A,P"), no sensor: sntpd --gps pps:/dev/pps0 local
#                     against chronyd with `refclock PPS /dev/pps0 local`, both beside the server.
# The sensor (lib.sh's SENSOR_RECORDS: a node of the simulation writes each change of its
# reading to RUN/sensor) is given only where a daemon reads it.
# The tests run only the _sensor variants of the scenarios of 40 000 simulated s (temp_hourly,
# temp_load, temp_freezer): what sntpd --temperature does, within CI's hour.  The rest is for
# the bench and skips unless LANSYNC_SIM_BENCH=1 (bench/discipline.sh sets it): the variants
# without a sensor and with chronyd's tempcomp (the comparisons of issue 64, at 18 seeds) and the
# scenarios with THERMAL_LONG=1 (days of simulated time a run), except a scenario that sets
# THERMAL_TESTED=1 (temp_outage_6h without a sensor: the day's shape followed through an
# outage; temp_load_pps: a DS3231's pulse followed).  THERMAL_TAU_X_S (the environment, for experiments): the crystal's lag behind the
# SoC (s), in place of the scenario's; e.g. 1, a crystal at the sensor's temperature.
THERMAL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
THERMAL_VARIANT=${THERMAL_VARIANT:-none}
THERMAL_LONG=0
THERMAL_TESTED=${THERMAL_TESTED:-0}
TEMPCOMP_INTERVAL_S=16  # chronyd reads the sensor this often
# The crystal's frequency, a line a second (a path from RUN, clknetsim's directory), and the wander.
DAEMON_FREQ='(+ (file "daemon/thermal/freq") (sum (* 1e-9 (normal))))'

# thermal_outage FROM_S DURATION_S: every packet to and from the server lost from FROM_S for
# DURATION_S (as outage.sh), the run ending an hour after; max_offset_window (judged) is the
# largest |offset| from the outage's start to then: the holdover.  sntpd is given --max-age past
# the outage (30 h), so that what it states through the outage is judged by the honesty check
# rather than dropped.
thermal_outage() {
  local from=$1 duration=$2
  sim_length $((from + duration + 3600)) $((from + duration + 3600))
  DELAY_UP="(+ 1e-3 (* 1e-3 (exponential)) (* -1e9 (equal $((duration / 2)) time $((from + duration / 2)))))"
  DELAY_DOWN=$DELAY_UP
  WINDOW_FROM_S=$from WINDOW_UNTIL_S=$((from + duration + 3600))
  SNTPD_OPTIONS+=(--max-age 30h)
  STEADY_REFERENCE=0  # a day without the server: sntpd's root distance passes 1.5 s, its reference lapses
  SIM_FIGURES+=(max_offset_window)
  JUDGED+=" max_offset_window"
}

# thermal_scenario TITLE ARGS...: the variant's options, the skips, then lib.sh's sim_setup
# ARGS and sim_scenario TITLE.
thermal_scenario() {
  local title=$1
  shift
  if [ "${LANSYNC_SIM_BENCH:-0}" != 1 ] && [ "$THERMAL_TESTED" != 1 ]; then
    if [ "$THERMAL_LONG" = 1 ]; then
      echo "SKIP: $SIM_NAME simulates $((SIM_LENGTH_S / 3600)) h a run, for the bench: LANSYNC_SIM_BENCH=1 runs it"
      exit "$SKIP"
    elif [ "$THERMAL_VARIANT" != sensor ]; then
      echo "SKIP: $SIM_NAME ($THERMAL_VARIANT) is a comparison for the bench: LANSYNC_SIM_BENCH=1 runs it"
      exit "$SKIP"
    fi
  fi
  if [ "$THERMAL_VARIANT" = pps ]; then
    SNTPD_OPTIONS+=(--gps pps:/dev/pps0 local)
    CHRONY_OPTIONS+=("refclock PPS /dev/pps0 local")
    export CLKNETSIM_PPS_FREQ=${PULSE_FREQ:-1.5e-6,2e-7,86400}
  elif [ "$THERMAL_VARIANT" != none ]; then
    SNTPD_OPTIONS+=(--temperature @RUN@/sensor)
    SENSOR_RECORDS=@RUN@/daemon/thermal/sensor.records
  fi
  sim_setup "$@"
  sim_scenario "$title$([ "$THERMAL_VARIANT" = none ] || echo "; $THERMAL_VARIANT")"
}

# scenario_conf: the pulse's edges (clknetsim makes them only where the node has a refclock),
# at the pulse's own seconds (the patch's CLKNETSIM_PPS_FREQ; a generator of 0: no jitter).
scenario_conf() {
  if [ "$THERMAL_VARIANT" = pps ]; then echo "node${D}_refclock = (* 0 (normal))"; fi
}

# scenario_prepare DIR DAEMON SEED: the seed's physics (thermal.py) in DIR/daemon/thermal, a link
# to thermal-seedSEED beside DIR, which the first of the seed's two runs writes and the other
# waits for (flock): the same files for both daemons, made once; and chronyd's tempcomp line
# from its coefficients.
scenario_prepare() {
  local physics
  physics=$(dirname "$1")/thermal-seed$3
  { flock 8 && { [ -s "$physics/summary" ] || python3 "$THERMAL_DIR/thermal.py" "$THERMAL" --seed "$3" \
    --length-s "$SIM_LENGTH_S" --out "$physics" ${THERMAL_TAU_X_S:+--tau-x-s "$THERMAL_TAU_X_S"}; }; } 8>"$physics.lock" ||
    { sim_failed "$SIM_NAME, $2 seed $3: thermal.py failed"; return 1; }
  ln -sfn "../../thermal-seed$3" "$1/daemon/thermal"
  if [ "$THERMAL_VARIANT" = tempcomp ] && [ "$2" = chronyd ]; then
    CHRONY_OPTIONS+=("tempcomp @RUN@/sensor $TEMPCOMP_INTERVAL_S $(awk '$1 == "tempcomp" { print $2, $3, $4, $5 }' \
      "$physics/summary")")
  fi
}
