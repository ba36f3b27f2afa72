#!/usr/bin/env bash
# ntpprobe against ntpsec's ntpd in a private network namespace (ntpd has no
# port option, so it needs port 123 of a loopback of its own): unsynchronized
# at first (LI=3, kiss code INIT), then synchronized in orphan mode.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

if [ ! -x "$NTPSEC_NTPD" ]; then
  echo "SKIP: ntpsec's ntpd is not unpacked at $NTPSEC_NTPD (scripts/install-deps.sh --test does it)"
  exit $SKIP
fi

run_ntpd() {  # NAME CONF LINES...
  local name=$1
  shift
  printf '%s\n' "$@" >"$WORK/$name.conf"
  start "$name" "$NTPSEC_NTPD" -n -c "$WORK/$name.conf" -l "$WORK/$name.ntpd.log"
}

# No time source at all: ntpd answers, but as unsynchronized.
run_ntpd nosource "driftfile $WORK/nosource.drift"
wait_for_ntp 127.0.0.1:123
run_capture out "$BIN/ntpprobe" -o json 127.0.0.1
check "unsynchronized ntpd: exit 3" [ "$RC" -eq 3 ]
check "unsynchronized ntpd: leap 3" [ "$(json leap "$out")" = 3 ]
check "unsynchronized ntpd: kiss code INIT reported" [ "$(json kod "$out")" = INIT ]
check "unsynchronized ntpd: no offset" [ -z "$(json offset_s "$out")" ]
kill "$LAST_PID"
wait "$LAST_PID" 2>/dev/null || true

# Orphan mode: ntpd serves its own clock at stratum 10 after a few seconds.
run_ntpd orphan "tos orphan 10 orphanwait 1" "driftfile $WORK/orphan.drift"
wait_for_ntp 127.0.0.1 synchronized && pass "ntpd in orphan mode synchronizes"
run_capture out "$BIN/ntpprobe" -o json 127.0.0.1
check "ntpd: exit 0" [ "$RC" -eq 0 ]
check_offset "ntpd: offset within its stated error" "$out" 0
check "ntpd: stratum 10" [ "$(json stratum "$out")" = 10 ]
run_capture out "$BIN/ntpprobe" -o json "[::1]"
check_offset "ntpd over IPv6: offset within its stated error" "$out" 0

finish
