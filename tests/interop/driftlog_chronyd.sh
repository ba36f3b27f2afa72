#!/usr/bin/env bash
# driftlog against a chronyd whose clock gains 100 ppm and sits 5 s behind
# (faketime "-5s x1.0001"): a 20-second run at 0.2 s must measure the offset
# near -5 s and the drift as -100 ppm within the uncertainty it states (our clock is slow against it).
# The offset stays beyond 1 s: chronyd uses its kernel receive timestamp only
# within 1 s of its (fake) clock, and a nearer fake offset would halve what
# a client measures (reference.md, faketime pitfall).
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

chronyd_server gaining 11123 faketime -f "-5s x1.0001" -- "${CHRONY_SERVES[@]}"
wait_for_ntp 127.0.0.1:11123
# Where the fake clock is (lib.sh, chrony_truth): about -5 s; a loaded machine
# had it 4 ms further off, for every client.
read -r truth truth_err <<<"$(chrony_truth 11123)"
truth_at=$(date +%s.%N)

# The outer timeout only guards against a hang; it is not a measurement.
run_capture csv timeout 60 "$BIN/driftlog" --source ntp:127.0.0.1:11123 -i 0.2 -d 20s
echo "$csv" >"$WORK/run.csv"
check "record: exit 0" [ "$RC" -eq 0 ]
check "record: nothing on stderr when it is not a terminal" [ ! -s "$WORK/last.err" ]
check "record: the header row" [ "$(head -n 1 <<<"$csv")" = "time_utc,elapsed_s,source,offset_s,delay_s,status" ]
rows=$(tail -n +2 <<<"$csv" | wc -l)
check "record: 100 rows for 20 s at 0.2 s (got $rows)" [ "$rows" -eq 100 ]
# Every slot has its row: a slot a slowed measurement overran is a "missed"
# row, never a gap.  How many are missed or timed out depends on the machine's
# load, so the count of ok rows only has to carry the fit below.
ok=$(tail -n +2 <<<"$csv" | awk -F, '$6 == "ok"' | wc -l)
other=$(tail -n +2 <<<"$csv" | awk -F, '$6 != "ok" && $6 != "missed" && $6 != "timeout"' | wc -l)
echo "record: $ok ok, $(tail -n +2 <<<"$csv" | awk -F, '$6 == "missed"' | wc -l) missed, $(tail -n +2 <<<"$csv" | awk -F, '$6 == "timeout"' | wc -l) timeout"
check "record: every row is ok, missed or timeout ($other others)" [ "$other" -eq 0 ]
check "record: most rows ok (got $ok of 100)" [ "$ok" -ge 50 ]
first=$(awk -F, 'NR == 2 { print $4 }' <<<"$csv")
# What chronyd -Q measured just before, within its error, half the round trip
# of that first row, and the 100 ppm the server gained since (at most until now).
err=$(awk -F, -v s="$truth_at" -v now="$(date +%s.%N)" -v e="$truth_err" \
  'NR == 2 { printf "%.9f", $5 / 2 + e + (now - s) * 1e-4 }' <<<"$csv")
check "record: the offset is near -5 s, where chronyd -Q saw it ($first s, $truth +- $err s)" near "$first" "$truth" "$err"
check "record: the source column names the server" [ "$(awk -F, 'NR == 2 { print $3 }' <<<"$csv")" = ntp:127.0.0.1:11123 ]

run_capture report "$BIN/driftlog" analyze --json "$WORK/run.csv"
check "analyze: exit 0" [ "$RC" -eq 0 ]
drift=$(json drift_ppm "$report")
unc=$(json drift_uncertainty_ppm "$report")
echo "measured drift_ppm $drift +- $unc (1 sigma), jitter $(json jitter_s "$report") s"
# The test's own uncertainty: a client under load (qemu, a busy CI machine) reads T1 some tens of
# microseconds before its request leaves, more at some times than at others; half of the round
# trips' spread bounds what that moves each sample, and the drift by that over the run.
asym=$(asymmetry_ppm "$WORK/run.csv")
check "analyze: drift_ppm = -100 within 4 x its stated uncertainty + $asym ppm of client asymmetry ($drift +- $unc ppm)" \
  drift_within "$report" -100 "$asym"
check "analyze: no steps" [ "$(jq '.steps | length' <<<"$report")" -eq 0 ]
check "analyze: the Allan deviation starts at tau 0.2 s" near "$(jq '.allan[0].tau_s' <<<"$report")" 0.2 0.01

# The same through a pipe, human output.
run_capture human bash -c "'$BIN/driftlog' analyze - <'$WORK/run.csv'"
check "analyze from stdin: exit 0" [ "$RC" -eq 0 ]
check "analyze from stdin: says the local clock is slow" grep -q "the local clock is slow" <<<"$human"

finish
