#!/usr/bin/env bash
# What sntpd serves from which reference: the sync-state file (fresh, stale,
# updated while running), upstream servers followed without clock control
# (stratum + 1, their address as refid; refused when 2.5 s off), holdover
# when they go silent, and the fall back to --local-stratum or to LI=3.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

probe() { "$BIN/ntpprobe" -o json -n 2 "$1" 2>/dev/null || true; }
served() { probe "$1" | jq -r '"\(.leap) \(.stratum) \(.refid)"'; }
now() { date +%s.%N; }
state_file() {  # PATH SECONDS_AGO SOURCE [BOOT_FIELDS]: a record of this boot unless BOOT_FIELDS says otherwise
  printf '{"last_sync_unix":%s,"source":"%s","offset_s":0.2,"uncertainty_s":0.01%s}\n' \
    "$(awk -v n="$(now)" -v a="$2" 'BEGIN { printf "%.3f", n - a }')" "$3" "${4-,$(boot_fields "$2")}" >"$1"
}
wait_served() {  # ADDR EXPECTED: polls for up to 2 * DEADLINE_S
  for _ in $(seq $((DEADLINE_S * 8))); do [ "$(served "$1")" = "$2" ] && return 0; sleep 0.25; done
  return 1
}

# The kernel's own status is evidence too; it must not vouch for this
# machine's clock here, or every "unsynchronized" below would be wrong.
start_sntpd probe_kernel --listen 127.0.0.9:123
wait_for_ntp 127.0.0.9:123
if [ "$("$BIN/sntpd" status --json --control "$WORK/probe_kernel.sock" | jq -r .reference.source)" = kernel ]; then
  echo "SKIP: this machine's kernel reports its clock synchronized (another daemon keeps it), so sntpd"
  echo "      rightly serves it; the reference tests need a kernel that says unsynchronized"
  exit $SKIP
fi

# --- The sync-state file: a phone set the clock 10 minutes ago.
state_file "$WORK/fresh.json" 600 phone
start_sntpd fresh --listen 127.0.0.1:11001 --state "$WORK/fresh.json"
wait_for_ntp 127.0.0.1:11001
check "fresh sync-state file: synchronized, stratum 3, refid PHON" \
  [ "$(served 127.0.0.1:11001)" = "0 3 80.72.79.78" ]
check "status names the source" grep -q "sync-state file (source phone" <(
  "$BIN/sntpd" status --control "$WORK/fresh.sock")

# ...set 40 minutes ago: older than the 30 minutes allowed.
state_file "$WORK/stale.json" 2400 phone
start_sntpd stale --listen 127.0.0.1:11002 --state "$WORK/stale.json"
wait_for_ntp 127.0.0.1:11002
check "stale sync-state file: unsynchronized" [ "$(served 127.0.0.1:11002 | cut -d' ' -f1,2)" = "3 0" ]
check "the log says why" grep -q "more than the 30 min 00 s allowed" "$WORK/stale.log"
# The phone sets the clock again: sntpd picks it up within a second or two.
state_file "$WORK/stale.json" 1 phone
check "updated sync-state file: synchronized again" wait_served 127.0.0.1:11002 "0 3 80.72.79.78"
check "the change is logged" grep -q "reference: sync-state file (source phone" "$WORK/stale.log"

# --- A record of an earlier boot (a minute old by the wall clock fake-hwclock restores) is no
# reference, nor is one that names no boot (an older writer); a malformed boot_id is said.
state_file "$WORK/old-boot.json" 60 phone ',"boot_id":"00000000-0000-4000-8000-000000000000","boot_time_s":9000'
start_sntpd old_boot --listen 127.0.0.1:11006 --state "$WORK/old-boot.json"
wait_for_ntp 127.0.0.1:11006
check "record of an earlier boot: unsynchronized" [ "$(served 127.0.0.1:11006 | cut -d' ' -f1,2)" = "3 0" ]
check "...status says why" grep -qF "sync-state file (source phone): from an earlier boot" <(
  "$BIN/sntpd" status --control "$WORK/old_boot.sock")
state_file "$WORK/no-boot.json" 60 phone ''
start_sntpd no_boot --listen 127.0.0.1:11007 --state "$WORK/no-boot.json"
wait_for_ntp 127.0.0.1:11007
check "record naming no boot: unsynchronized" [ "$(served 127.0.0.1:11007 | cut -d' ' -f1,2)" = "3 0" ]
check "...status says why" grep -qF "no boot_id recorded, so taken as from an earlier boot" <(
  "$BIN/sntpd" status --control "$WORK/no_boot.sock")
state_file "$WORK/bad-boot.json" 60 phone ',"boot_id":"12345"'
cp "$WORK/bad-boot.json" "$WORK/bad-boot.orig"
start_sntpd bad_boot --listen 127.0.0.1:11008 --state "$WORK/bad-boot.json"
wait_for_ntp 127.0.0.1:11008
check "malformed boot_id: unsynchronized" [ "$(served 127.0.0.1:11008 | cut -d' ' -f1,2)" = "3 0" ]
check "...the log names the file and the field" grep -qF "$WORK/bad-boot.json: field 'boot_id' must be a boot id" "$WORK/bad_boot.log"
check "...the file is left as it was" cmp -s "$WORK/bad-boot.json" "$WORK/bad-boot.orig"

# --max-age counts: a record 10 minutes old is too old for --max-age 5m.
start_sntpd short --listen 127.0.0.1:11003 --state "$WORK/fresh.json" --max-age 5m
wait_for_ntp 127.0.0.1:11003
check "--max-age 5m: the 10-minute-old record does not count" \
  [ "$(served 127.0.0.1:11003 | cut -d' ' -f1)" = 3 ]

# --- Upstream servers, followed without touching the clock.
chronyd_server up 12001 -- "${CHRONY_SERVES[@]}"
chronyd_server ahead 12002 faketime -f "+2.5s" -- "${CHRONY_SERVES[@]}"
wait_for_ntp 127.0.0.1:12001
wait_for_ntp 127.0.0.1:12002
up_pid=${BG_PIDS[-2]}
start_sntpd off --listen 127.0.0.1:11005 --upstream 127.0.0.1:12002 --no-clock-control --state "$WORK/none.json"
# Followed from its third consistent sample, about 4 s after the start.
upstream_state() { "$BIN/sntpd" status --json --control "$WORK/off.sock" 2>/dev/null | jq -r '.upstreams[0].state'; }
wait_until "$DEADLINE_S" eval '[ "$(upstream_state)" = sys_peer ]' || true
check "an upstream 2.5 s off, not corrected, is not served (root distance > 1.5 s)" \
  [ "$(served 127.0.0.1:11005 | cut -d' ' -f1)" = 3 ]
status=$("$BIN/sntpd" status --json --control "$WORK/off.sock")
# The upstream's offset as status shows it: its least-delayed sample's, which is within half that
# sample's round trip (status's delay_s) of where the faked clock really is (lib.sh, chrony_truth:
# about 2.5 s ahead).  Not clock.last_offset_s: that is the line through the samples extrapolated
# to the selection's time, whose own error (its offset_sd, and its slope's over the seconds since)
# no single sample's delay bounds: under load it strayed 0.24 ms with a 0.1 ms delay.
read -r ahead ahead_err <<<"$(chrony_truth 12002)"
err=$(sum "$(jq '.upstreams[0].delay_s // -1' <<<"$status")" "$ahead_err")
check "status shows the offset of the upstream ahead ($(jq .upstreams[0].offset_s <<<"$status") s, $ahead s +- $err s)" \
  near "$(jq .upstreams[0].offset_s <<<"$status")" "$ahead" "$err"
check "...and why it serves nothing" grep -q "root distance" <<<"$(jq -r .reference.detail <<<"$status")"

start_sntpd follow --listen 127.0.0.1:11004 --upstream 127.0.0.1:12001 --no-clock-control \
  --max-age 10s --local-stratum 12 --state "$WORK/none.json"
check "following an upstream at stratum 10: serving stratum 11, its address as refid" \
  wait_served 127.0.0.1:11004 "0 11 127.0.0.1"
run_capture out "$BIN/ntpprobe" -o json 127.0.0.1:11004
check_offset "...with our own clock: offset within sntpd's stated error" "$out" 0
status=$("$BIN/sntpd" status --json --control "$WORK/follow.sock")
check "status: upstream is the system peer" [ "$(jq -r '.upstreams[0].state' <<<"$status")" = sys_peer ]
check "status: clock control off" [ "$(jq -r '.clock.control' <<<"$status")" = false ]

# Holdover: the upstream goes silent.  sntpd keeps serving it until the
# reference is older than --max-age (10 s), then falls back to the local stratum.
kill "$up_pid"
sleep 2  # time passing is the point: 2 s of holdover
# Served as long as the reference is younger than --max-age: its age read just
# before the probe (on a loaded machine the last sample may be old already).
age=$("$BIN/sntpd" status --json --control "$WORK/follow.sock" | jq -r '.upstreams[0].last_sample_age_s // 0')
state=$(served 127.0.0.1:11004)
check "holdover: still serving the upstream after it went silent (its last sample $age s old, --max-age 10 s; '$state')" \
  eval '[ "$state" = "0 11 127.0.0.1" ] || awk -v a="$age" "BEGIN { exit !(a >= 9.5) }"'
check "after --max-age: falls back to the local stratum 12" wait_served 127.0.0.1:11004 "0 12 127.127.1.1"
check "the fall back is logged" grep -q "reference: local clock at stratum 12" "$WORK/follow.log"

finish
