#!/usr/bin/env bash
# The Pi's phone recipe under the shipped unit's sandbox: sntpd with its page on
# the access point ap0 (here one end of a veth pair in the container: this
# kernel has no dummy interfaces), a phone on ap0 (from an address of ap0's
# network, timed as the page times it) sets sntpd's simulated clock, which is
# recorded, logged and served; when that reference expires, the warning reaches
# the journal with its priority.
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
check "systemctl --failed is empty" [ -z "$(inside systemctl --failed --no-legend --plain)" ]
finish
