#!/usr/bin/env bash
# A restart with the drift file, on a Pi's crystal (30 ppm fast, wandering 2e-9 per second): a
# first run learns the frequency and leaves it in the drift file (sntpd's --drift-file, saved
# hourly; chronyd's driftfile); a second run starts from that file and is judged, from its
# start (no warm-up: the start is what the drift file is for).  sntpd against chronyd by RMS
# and maximum offset, RMS frequency error and requests of the second run.
source "$(dirname "$0")/lib.sh"
DAEMON_FREQ="(+ 30e-6 (sum (* 2e-9 (normal))))"
CHRONY_OPTIONS=("driftfile @RUN@/daemon/drift")
WARMUP_S=0
sim_setup "$@"
# scenario_prepare DIR DAEMON SEED: the first run, in DIR.first; its drift file into DIR/daemon.
scenario_prepare() {
  sim_run "$1.first" "$2" "$3" || return 1
  if [ -s "$1.first/daemon/drift" ]; then
    cp "$1.first/daemon/drift" "$1/daemon/drift"
    echo "   $2 seed $3: the first run left the drift file: $(head -c 100 "$1/daemon/drift")"
  else
    sim_failed "$2 seed $3: the first run left no drift file in $1.first/daemon"
  fi
}
sim_scenario "a restart with the drift file of a first run (Pi's crystal, 30 ppm fast); second run judged from its start"
