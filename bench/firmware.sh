#!/usr/bin/env bash
# Benchmark: the board's clock (firmware/board) against Arduino NTPClient, lwIP
# SNTP and ezTime, re-implemented from their code, on a simulated ESP with a
# +40 ppm crystal over a simulated Wi-Fi path, 24 simulated hours each
# (bench/firmware_sim.cpp has the model); then the same board and libraries
# across deep sleep (5 s awake, 10 s / 60 s / 10 min asleep).  Prints the
# tables; writes them to bench/out/firmware.txt too.  Pure simulation: no
# network, no clock touched.
#
#   bench/firmware.sh [--seeds N] [--hours H] [--instants N] [--seed S]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${LANSYNC_BIN:-build/bin}
[ -x "$bin/firmware_sim" ] || { echo "firmware.sh: build first (scripts/build.sh)" >&2; exit 2; }
mkdir -p bench/out
"$bin/firmware_sim" "$@" | tee bench/out/firmware.txt
