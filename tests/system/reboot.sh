#!/usr/bin/env bash
# A reboot must not make an old sync-state record look fresh (issue 18).  A
# phone on ap0 sets sntpd's simulated clock: the record names this boot and
# sntpd serves stratum 3.  After a reboot (nspawn gives the container a new
# boot_id; see boot_id_dropin in lib.sh for what sntpd's sandbox sees) the same record, minutes old by the wall clock, is no reference:
# sntpd answers unsynchronized and says why, and the file is left as it was.
# A phone setting the clock in the new boot makes it a reference again.
source "$(dirname "$0")/lib.sh"

STATE=/var/lib/lansync/sync-state.json

# ap0 and its phone, at every boot: one end of a veth pair with the Pi's and
# the phone's addresses (see phone.sh), up before sntpd binds its page there;
# and this boot's boot_id where sntpd can see it (boot_id_dropin in lib.sh).
install_ap0_unit() {
  cat >"$WORK/reboot/etc/systemd/system/ap0.service" <<'UNIT'
[Unit]
Description=ap0 for the reboot test (a veth pair with the Pi's and the phone's addresses)
Before=sntpd.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'cat /proc/sys/kernel/random/boot_id >/run/container-boot-id'
ExecStart=/bin/sh -c 'ip link add ap0 type veth peer name ap0-peer && ip addr add 192.168.4.1/24 dev ap0 && ip addr add 192.168.4.2/24 dev ap0 && ip link set ap0-peer up && ip link set ap0 up'
[Install]
WantedBy=multi-user.target
UNIT
  boot_id_dropin sntpd.service reboot-test
  inside systemctl daemon-reload
  inside systemctl enable --now ap0.service >/dev/null 2>&1
}

# phone_sets: a phone on ap0 measures and sets (ap0_phone_set); the /set reply in $set.
phone_sets() { ap0_phone_set http://192.168.4.1 "" ""; }

# wait_status PREFIX: until sntpd's STATUS= line starts with PREFIX (at most 20 s).
wait_status() {
  for _ in $(seq 40); do
    [[ "$(unit_status sntpd.service)" == "$1"* ]] && return 0
    sleep 0.5
  done
  return 1
}

boot reboot
install_package
install_ap0_unit
cat >"$WORK/reboot/etc/lansync/sntpd.conf" <<'CONF'
# The README's Pi recipe, with a simulated clock 5 s behind.
http 192.168.4.1:80
http-set-interface ap0
clock simulated
simulated-offset -5
CONF
inside systemctl restart sntpd.service
check "sntpd.service restarted with the phone recipe" wait_active sntpd.service

# --- Boot 1: the phone sets the clock; the record names this boot.
boot1=$(boot_id)
phone_sets
check "a phone on ap0 sets the clock ($(json result "$set"), step $(json offset_s "$set") s)" \
  [ "$(json result "$set")" = set ]
record=$(inside cat "$STATE")
echo "      record: $record"
check "the record names this boot ($boot1)" [ "$(jq -r .boot_id <<<"$record")" = "$boot1" ]
check "...and its time since boot (boot_time_s $(jq .boot_time_s <<<"$record"))" \
  eval '[ "$(jq -r ".boot_time_s | type" <<<"$record")" = number ]'
check "systemctl status: '$(unit_status sntpd.service)'" wait_status "serving stratum 3 from phone"
run_capture probe inside ntpprobe -o json 127.0.0.1
check "ntpprobe gets stratum 3 from the phone's time" eval '[ "$RC" -eq 0 ] && [ "$(json stratum "$probe")" = 3 ]'
cp "$WORK/reboot$STATE" "$WORK/state-before-reboot.json"

# --- Boot 2: the same record, from an earlier boot, is no reference.
reboot_container || { finish; exit; }
boot2=$(boot_id)
echo "      boot_id before the reboot: $boot1"
echo "      boot_id after the reboot:  $boot2"
check "the reboot changed the boot_id" [ "$boot1" != "$boot2" ]
check "sntpd.service is active again" wait_active sntpd.service
age=$(inside jq -r "now - .last_sync_unix | floor" "$STATE")
check "the record survived, ${age} s old by the wall clock (under the 30 min allowed)" \
  eval '[ "$age" -lt 1800 ] && [ "$(inside jq -r .boot_id "$STATE")" = "$boot1" ]'
status=$(unit_status sntpd.service)
check "systemctl status: '$status'" grep -q "^unsynchronized" <<<"$status"
run_capture probe inside ntpprobe 127.0.0.1
check "ntpprobe 127.0.0.1: exit 3, unsynchronized ($probe)" \
  eval '[ "$RC" -eq 3 ] && grep -q "unsynchronized (leap 3, stratum 0)" <<<"$probe"'
run_capture st inside sntpd status --json
detail=$(jq -r .reference.detail <<<"$st")
check "sntpd status --json says why: '$detail'" \
  [ "$detail" = "no reference (sync-state file (source phone): from an earlier boot)" ]
check "...and serves no stratum" [ "$(jq -r '"\(.reference.synchronized) \(.reference.stratum)"' <<<"$st")" = "false 16" ]
check "the reader left the file as it was" cmp -s "$WORK/reboot$STATE" "$WORK/state-before-reboot.json"

# --- A phone in this boot makes the clock a reference again.
phone_sets
check "a phone sets the clock in the new boot ($(json result "$set"))" [ "$(json result "$set")" = set ]
check "the new record names the new boot" [ "$(inside jq -r .boot_id "$STATE")" = "$boot2" ]
check "systemctl status: '$(unit_status sntpd.service)'" wait_status "serving stratum 3 from phone"
check "systemctl --failed is empty" [ -z "$(inside systemctl --failed --no-legend --plain)" ]
finish
