#!/usr/bin/env bash
# The package as a Pi owner meets it: installed into a fresh booted Debian 12,
# sntpd runs under its own unit as _lansync, tells systemd it is ready and
# what it serves, answers "unsynchronized" with the shipped config, serves
# ntpprobe and chronyd once given a reference, leaves no failed unit and no
# warning, and comes back after a reboot.
source "$(dirname "$0")/lib.sh"

boot install
install_package
check "the _lansync user exists" inside getent passwd _lansync
check "...and _lansync-web, sntpd-web's, in its own group alone" \
  [ "$(inside id -nG _lansync-web)" = _lansync-web ]
check "sntpd.service is enabled" [ "$(inside systemctl is-enabled sntpd.service)" = enabled ]
check "sntpd.service is active (Type=notify: it sent READY=1)" wait_active sntpd.service
check "...Type=notify" [ "$(inside systemctl show -p Type --value sntpd.service)" = notify ]
status=$(unit_status sntpd.service)
check "systemctl status shows the reference: '$status'" grep -q "^unsynchronized" <<<"$status"
pid=$(inside systemctl show -p MainPID --value sntpd.service)
user=$(inside stat -c %U "/proc/$pid")
check "sntpd runs as _lansync (pid $pid: '$user')" [ "$user" = _lansync ]
check "the config is a conffile" eval 'inside dpkg-query -W -f="\${Conffiles}" lansync | grep -q "/etc/lansync/sntpd.conf"'
check "/var/lib/lansync and /var/log/lansync belong to _lansync" \
  [ "$(inside stat -c %U:%U /var/lib/lansync /var/log/lansync | sort -u)" = _lansync:_lansync ]

run_capture probe inside ntpprobe 127.0.0.1
check "the shipped config serves no time it has no reason to trust: ntpprobe exit 3 ($probe)" \
  eval '[ "$RC" -eq 3 ] && grep -q "unsynchronized (leap 3, stratum 0)" <<<"$probe"'

# The README's stratum-10 fallback: one line in the config, a restart.
inside sh -c 'echo "local-stratum 10" >>/etc/lansync/sntpd.conf'
inside systemctl restart sntpd.service
check "restarted with local-stratum 10" wait_active sntpd.service
status=$(unit_status sntpd.service)
check "systemctl status: '$status'" [ "$status" = "serving stratum 10 from local, 0 min old" ]
run_capture probe inside ntpprobe -o json 127.0.0.1
check "ntpprobe gets stratum 10 from sntpd" eval '[ "$RC" -eq 0 ] && [ "$(json stratum "$probe")" = 10 ]'
check_offset "...within the error sntpd states" "$probe" 0
# chronyd as a one-shot client (-Q: measures, sets nothing; -x: never touches the clock; -f
# /dev/null: none of the container's chrony.conf, no pool), its measurement logged (as root:
# the _chrony user may not write /run): the offset it prints is within that measurement's error.
run_capture chrony inside timeout 30 chronyd -Q -x -u root -t 10 -f /dev/null "server 127.0.0.1 iburst maxsamples 1" \
  "logdir /run" "log measurements"
wrong=$(clock_wrong_by "$(cat "$WORK/last.err")")
err=$(inside cat /run/measurements.log 2>/dev/null | chrony_measurement_error || true)
check "chronyd -Q takes sntpd's time (wrong by $wrong s, +- $err s)" near "$wrong" 0 "$err"
# An AES128 key (libcrypto is loaded for it only) under the unit: read as root before sntpd drops
# to _lansync, it signs sntpd's replies; ntpprobe takes only replies signed with it.
inside sh -c 'umask 077 && ntpprobe keygen --type AES128 --id 7 >/etc/lansync/ntp.keys &&
  echo "keys /etc/lansync/ntp.keys" >>/etc/lansync/sntpd.conf'
inside systemctl restart sntpd.service
check "restarted with an AES128 key in keys" wait_active sntpd.service
run_capture probe inside ntpprobe -o json --keys /etc/lansync/ntp.keys --key 7 127.0.0.1
check "ntpprobe --key 7 (AES128): sntpd's signed reply taken ($RC, $(json status "$probe"))" \
  eval '[ "$RC" -eq 0 ] && [ "$(json stratum "$probe")" = 10 ]'
run_capture st inside sntpd status
check "sntpd status reads the running daemon" grep -q "^Synchronized     : yes, serving stratum 10" <<<"$st"
# NTS for the LAN's chrony and ntpsec clients: the postinst made a private CA and a certificate for
# the host's names (ending before 2038: a 32-bit time_t).
check "the postinst made the NTS CA and the server's certificate, both keys root's alone" \
  [ "$(inside stat -c '%a %U' /etc/lansync/nts.key /etc/lansync/nts-ca.key | sort -u)" = "600 root" ]
check "...the certificate signed by that CA, for the host's name" \
  eval 'inside openssl verify -CAfile /etc/lansync/nts-ca.crt /etc/lansync/nts.crt >/dev/null &&
    inside openssl x509 -in /etc/lansync/nts.crt -noout -ext subjectAltName | grep -q "DNS:$(inside hostname),"'
# sntpd-wait.service (chrony-wait's part): installed, not enabled, before time-sync.target.  The
# local clock at stratum 10 is no reference to wait for; an upstream is: a second sntpd in the
# container at stratum 9, which the packaged one follows without clock control (the container may
# not set the clock).  Started then, the unit is done under its own sandbox, as _lansync.
check "sntpd-wait.service is installed, not enabled" [ "$(inside systemctl is-enabled sntpd-wait.service)" = disabled ]
check "...orders time-sync.target after it" \
  eval 'inside systemctl show -p Before --value sntpd-wait.service | grep -qw time-sync.target'
run_capture waited inside sntpd status --wait 1
check "sntpd status --wait 1 with only the local clock: exit 3 ($(cat "$WORK/last.err"))" \
  eval '[ "$RC" -eq 3 ] && grep -q "serves only its local clock" "$WORK/last.err"'
inside cp /etc/lansync/sntpd.conf /root/sntpd.conf.saved
inside systemd-run --unit=upstream9 /usr/sbin/sntpd --listen 127.0.0.1:1123 --local-stratum 9 \
  --control /run/upstream9.sock --user root --state /run/upstream9.json --drift-file "" >/dev/null 2>&1
inside sh -c 'printf "upstream 127.0.0.1:1123\nno-clock-control\n" >>/etc/lansync/sntpd.conf'
inside systemctl restart sntpd.service
run_capture started inside timeout 120 systemctl start sntpd-wait.service
run_capture st inside sntpd status --json
check "...started with an upstream: done once sntpd follows it (exit $RC, $(inside systemctl is-active sntpd-wait.service), $(jq -c '.reference | {synchronized, source, stratum}' <<<"$st" 2>/dev/null))" \
  eval '[ "$RC" -eq 0 ] && [ "$(inside systemctl is-active sntpd-wait.service)" = active ] &&
    [ "$(jq -r .reference.source <<<"$st")" = upstream ]'
inside systemctl stop sntpd-wait.service upstream9.service
inside cp /root/sntpd.conf.saved /etc/lansync/sntpd.conf
inside systemctl restart sntpd.service
check "...back to the local clock alone" wait_active sntpd.service
# The control socket is for root and the _lansync group: a user added to it may ask, others may not.
check "the control socket is root:_lansync 0660" \
  [ "$(inside stat -c '%U:%G %a' /run/lansync/sntpd.sock)" = "root:_lansync 660" ]
inside useradd -m pi
inside useradd -m guest
inside usermod -aG _lansync pi
check "a member of _lansync reads sntpd status" eval 'inside runuser -u pi -- sntpd status | grep -q "^Synchronized"'
run_capture guest inside runuser -u guest -- sntpd status
check "a user outside _lansync is refused with a clear message ($(head -c 120 "$WORK/last.err"))" \
  eval '[ "$RC" -ne 0 ] && grep -q "Permission denied" "$WORK/last.err"'
check "systemctl --failed is empty" [ -z "$(inside systemctl --failed --no-legend --plain)" ]
warnings=$(inside journalctl -b -u sntpd.service -p warning --no-pager -q || true)
check "the unit's journal has no warning on a clean start${warnings:+: $warnings}" [ -z "$warnings" ]
journal=$(inside journalctl -b -u sntpd.service --no-pager -q -o cat)
check "the journal has sntpd's lines without a program prefix" grep -q "^listening on" <<<"$journal"

# camsync's unit runs it as _lansync, with no capability.  (Whether it may
# read the kernel's clock status is checked in tests/checks/units.sh: inside
# this container nspawn forbids adjtimex to everything, as it has no
# CAP_SYS_TIME.)
inside systemctl start camsync.service >/dev/null 2>&1 || true
check "camsync.service runs and writes its log as _lansync" \
  [ "$(inside stat -c %U /var/log/lansync/camsync.jsonl)" = _lansync ]
inside systemctl reset-failed camsync.service 2>/dev/null || true

before=$(boot_id)
reboot_container
after=$(boot_id)
check "rebooted: the boot_id changed ($before -> $after)" [ "$before" != "$after" ]
check "after the reboot sntpd.service is active again" wait_active sntpd.service
run_capture probe inside ntpprobe -o json 127.0.0.1
check "...and serves stratum 10" eval '[ "$RC" -eq 0 ] && [ "$(json stratum "$probe")" = 10 ]'
check "...and systemctl --failed is empty" [ -z "$(inside systemctl --failed --no-legend --plain)" ]
finish
