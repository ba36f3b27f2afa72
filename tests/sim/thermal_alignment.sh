#!/usr/bin/env bash
# The temp_* scenarios' plumbing (thermal.sh, thermal.py, sensor_writer.c), in one run of 2 000
# simulated s without a server: the k-th evaluation of clknetsim's `(file "FREQ")` is the
# frequency of second k (clknetsim's log of the raw frequency, -g, against the file, line by
# line: line k + 1 is second k), and at simulated time t the sensor's file shows the reading of
# second floor(t) (a chronyd reading it every second, `tempcomp FILE 1 0 0 0 0`, which
# compensates nothing; its tempcomp log against the records).  The reader's clock is perfect
# (node 1), so the times it logs are the simulated time; the crystal is node 2, another chronyd,
# which has no source.  LANSYNC_SIM_SENSOR_EXEC=1 checks clknetsim's -e in the writer's place
# (slow: a fork a simulated second).  No figures: bench/discipline.sh gives it no row.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/thermal.sh"
SIM_LENGTH_S=2000
sim_setup "$@"
echo "== sim.$SIM_NAME: the crystal's frequency and the sensor's readings, second by second ($SIM_LENGTH_S s)"
RUN=$SIM_RUNS/$SIM_NAME
rm -rf "$RUN"
mkdir -p "$RUN"
python3 "$THERMAL_DIR/thermal.py" hourly --seed 1 --length-s "$SIM_LENGTH_S" --out "$RUN/thermal"
echo 'node2_freq = (file "thermal/freq")' >"$RUN/conf"
sim_sensor "$RUN/thermal/sensor.records" 3
writer=$NODE_PID
sim_chronyd 1 reader "tempcomp $RUN/sensor 1 0 0 0 0" "logdir $RUN/reader" "log tempcomp"
reader=$NODE_PID
sim_chronyd 2 crystal
crystal=$NODE_PID
(cd "$RUN" && exec timeout -s KILL "$SIM_DEADLINE_S" "$SIM_CLKNETSIM" -g log.rawfreq -l "$SIM_LENGTH_S" \
  -s "$RUN/sock" "${SENSOR_EXEC[@]}" conf "$SENSOR_NODES" >stats 2>server.log) &
server=$!
sim_wait_done "$server"
sim_stop chronyd "$reader" "$server" "$crystal" ${writer:+"$writer"}

# freq_aligned: line k + 1 of the raw frequency log (node 2's column) is line k + 1 of the file,
# to the log's 7 digits; and the file's lines one apart differ at those digits (a shift by one
# would show).
freq_aligned() {
  awk -v n=$((SIM_LENGTH_S + 1)) 'NR == FNR { f[FNR] = $1; next }
    { d = $2 - f[FNR]; if (d < 0) d = -d; if (d > 1e-6 * (f[FNR] < 0 ? -f[FNR] : f[FNR])) bad++
      if (FNR > 1 && $2 != last) moved++; last = $2; lines++ }
    END { printf "  %d lines, %d off, the frequency moved in %d\n", lines, bad, moved
      exit !(lines == n && !bad && moved > n / 2) }' "$RUN/thermal/freq" "$RUN/log.rawfreq"
}

# sensor_aligned: each reading chronyd logged (date, time in whole seconds, the reading as
# %.4e: 5 digits) is the record of its second; and the readings it saw changed, as above.
sensor_aligned() {
  awk 'NR == FNR { r[FNR - 1] = $1; next }
    $1 ~ /^2010-/ { split($1, day, "-"); split($2, hms, ":")
      t = (day[3] - 1) * 86400 + hms[1] * 3600 + hms[2] * 60 + hms[3]
      n++; if ($3 + 0 != r[t]) { bad++; if (bad <= 3) printf "  %d s: read %s, second %d has %s\n", t, $3, t, r[t] }
      if (n > 1 && $3 != last) moved++; last = $3 }
    END { printf "  %d readings, %d off, the reading changed in %d\n", n, bad, moved
      exit !(n > 1900 && !bad && moved > 100) }' "$RUN/thermal/sensor.records" "$RUN/reader/tempcomp.log"
}

check "the crystal's frequency: clknetsim's evaluation k is line k + 1 of the file, seconds 0 to $SIM_LENGTH_S" freq_aligned
check "the sensor: at simulated time t the file shows second floor(t)'s reading" sensor_aligned
finish
