#!/usr/bin/env bash
# The Pi's phone recipe under the shipped unit's sandbox: sntpd with its page on
# the access point ap0 (here one end of a veth pair in the container: this
# kernel has no dummy interfaces), a phone on ap0 (from an address of ap0's
# network, timed as the page times it) sets sntpd's simulated clock, which is
# recorded, logged and served; sntpd-web runs as _lansync-web, which may write
# none of sntpd's files and is started again after kill -9; when that reference
# expires, the warning reaches the journal with its priority.
source "$(dirname "$0")/lib.sh"

boot phone
inside ip link add ap0 type veth peer name ap0-peer
inside ip addr add 192.168.4.1/24 dev ap0
inside ip addr add 192.168.4.2/24 dev ap0
inside ip link set ap0-peer up
inside ip link set ap0 up
install_package
cat >"$WORK/phone/etc/lansync/sntpd.conf" <<'CONF'
# The README's Pi recipe, with a simulated clock 5 s behind.
http 192.168.4.1:80
http-set-interface ap0
clock simulated
simulated-offset -5
max-age 20s
CONF
inside systemctl restart sntpd.service
check "sntpd.service restarted with the phone recipe" wait_active sntpd.service

ap0_phone_set http://192.168.4.1 "" ""
check "a phone on ap0 sets the clock ($(json result "$set"), step $(json offset_s "$set") s +- $(json uncertainty_s "$set") s)" \
  set_within 5
# The container has no pgrep: the process whose name is sntpd-web, from its /proc.
web=$(inside sh -c 'grep -lx sntpd-web /proc/[0-9]*/comm' 2>/dev/null | head -n 1 | cut -d/ -f3)
check "the web process (pid ${web:-none}) has its data segment bounded (RLIMIT_DATA 64 MiB)" \
  eval '[ -n "$web" ] && inside cat "/proc/$web/limits" | grep -qE "^Max data size +67108864 +67108864"'
check "...no 'cannot list the network interfaces' (AF_NETLINK is allowed)" \
  eval '! inside journalctl -b -u sntpd.service -q --no-pager | grep -q "cannot list"'
run_capture st inside sntpd status --json
check "sntpd status: the phone is the reference, stratum 3" \
  [ "$(jq -r '"\(.reference.state_source) \(.reference.stratum)"' <<<"$st")" = "phone 3" ]
status=$(unit_status sntpd.service)
check "systemctl status: '$status'" [ "$status" = "serving stratum 3 from phone, 0 min old" ]
check "the sync-state file records the phone" \
  [ "$(inside jq -r .source /var/lib/lansync/sync-state.json)" = phone ]
check "the activity log has the set" \
  [ "$(inside jq -r .result /var/log/lansync/sntpd.jsonl | tail -n 1)" = set ]

run_capture probe inside ntpprobe -o json 127.0.0.1
check "ntpprobe gets stratum 3 from the phone's time" eval '[ "$RC" -eq 0 ] && [ "$(json stratum "$probe")" = 3 ]'

# After max-age (20 s) the phone's word has expired: a warning, at warning priority.
for _ in $(seq 120); do
  inside journalctl -b -u sntpd.service -p warning -q --no-pager | grep -q "answering unsynchronized" && break
  sleep 0.5
done
warnings=$(inside journalctl -b -u sntpd.service -p warning -q --no-pager -o cat)
check "the expiry is a warning in 'journalctl -p warning -u sntpd': '$warnings'" \
  grep -q "^warning: reference: no reference (sync-state file (source phone): .* old by the [a-z]* clock, more than the 20 s allowed); answering unsynchronized (LI=3)" <<<"$warnings"
check "...and only warnings are there (no info line)" eval '! grep -q "listening on" <<<"$warnings"'
check "...recorded with PRIORITY=4" \
  eval '[ "$(inside journalctl -b -u sntpd.service -p warning -o json --no-pager | jq -r .PRIORITY | sort -u)" = 4 ]'

# Two users: sntpd as _lansync, its web side as _lansync-web, which may write none of sntpd's files.
# (After the expiry above: these take longer than max-age on a loaded machine.)
main=$(inside systemctl show -p MainPID --value sntpd.service)
field() { inside awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
check "sntpd-web (pid $web) runs as _lansync-web, user and group" \
  [ "$(field "$web" Uid)/$(field "$web" Gid)" = "$(inside id -u _lansync-web)/$(inside id -g _lansync-web)" ]
check "...in no supplementary group ('$(field "$web" Groups)')" [ -z "$(field "$web" Groups)" ]
check "...with no capability" [ "$(field "$web" CapPrm)$(field "$web" CapEff)" = 00000000000000000000000000000000 ]
check "sntpd (pid $main) runs as _lansync, CAP_SETUID and CAP_SETGID permitted only (CapPrm $(field "$main" CapPrm), CapEff $(field "$main" CapEff))" \
  eval '[ "$(field "$main" Uid)" = "$(inside id -u _lansync)" ] && [ "$(field "$main" CapPrm)" = 00000000000000c0 ] &&
    [ "$(field "$main" CapEff)" = 0000000000000000 ]'
modes=$(inside stat -c '%n %U:%G %a' /var/lib/lansync /var/log/lansync /var/lib/lansync/sync-state.json \
  /var/log/lansync/sntpd.jsonl)
show "stat -c '%n %U:%G %a' (sntpd's directories and files)" "$modes"
check "sntpd's directories are _lansync's, 0755; its files 0644" \
  [ "$(awk '{ print $2, $3 }' <<<"$modes" | sort -u | tr '\n' ' ')" = "_lansync:_lansync 644 _lansync:_lansync 755 " ]
check "...which _lansync may write (so that the checks below can fail)" \
  inside runuser -u _lansync -- test -w /var/lib/lansync/sync-state.json
# Every file and directory sntpd writes (a drift file too, were there one), not writable as _lansync-web.
files=$(inside find /var/lib/lansync /var/log/lansync)
writable=$(for f in $files; do inside runuser -u _lansync-web -- test -w "$f" && echo "$f"; done || true)
check "_lansync-web may write none of them ($(wc -w <<<"$files") checked${writable:+; writable: $writable})" \
  [ -z "$writable" ]
check "...cannot open the sync-state for writing" \
  eval '! inside runuser -u _lansync-web -- sh -c ": >>/var/lib/lansync/sync-state.json" 2>/dev/null'
check "...nor signal sntpd" eval '! inside runuser -u _lansync-web -- kill -0 "$main" 2>/dev/null'
check "...nor use its control socket" eval '! inside runuser -u _lansync-web -- sntpd status >/dev/null 2>&1'
# A kill -9 of the web process: sntpd starts it again, as _lansync-web, and the page answers.
inside sh -c "kill -9 $web"
web_back() {
  local pid
  pid=$(inside sh -c 'grep -lx sntpd-web /proc/[0-9]*/comm' 2>/dev/null | head -n 1 | cut -d/ -f3) &&
    [ -n "$pid" ] && [ "$pid" != "$web" ] &&
    [ "$(inside curl -s --max-time 2 -o /dev/null -w '%{http_code}' http://192.168.4.1/)" = 200 ] && echo "$pid"
}
check "after kill -9 of sntpd-web, sntpd starts it again and the page answers" wait_until 30 web_back
new_web=$(web_back)
check "...still as _lansync-web (pid $new_web)" [ "$(field "$new_web" Uid)" = "$(inside id -u _lansync-web)" ]
check "...sntpd's PID unchanged ($main)" [ "$(inside systemctl show -p MainPID --value sntpd.service)" = "$main" ]
check "...the journal says why, and no signal failed" eval 'inside journalctl -b -u sntpd.service -o cat --no-pager |
  grep -q "sntpd-web (pid $web) was killed by signal 9; starting it again" &&
  ! inside journalctl -b -u sntpd.service -o cat --no-pager | grep -q "cannot send signal"'

check "systemctl --failed is empty" [ -z "$(inside systemctl --failed --no-legend --plain)" ]
finish
