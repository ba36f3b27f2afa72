#!/usr/bin/env bash
# Removing and purging the package: purge takes what the package created
# (binaries, units and their enable links, the config, the NTS CA and certificate the postinst
# made), stops sntpd, and
# leaves what the user's machine made with it: the state
# (/var/lib/lansync/sync-state.json), the logs (/var/log/lansync) and the
# _lansync user, which Debian leaves in place (files may still belong to it).
source "$(dirname "$0")/lib.sh"

boot purge
install_package
check "sntpd.service is active" wait_active sntpd.service
inside sh -c 'echo "{\"last_sync_unix\": 1790000000, \"source\": \"phone\"}" >/var/lib/lansync/sync-state.json'
inside sh -c 'echo "{\"event\":\"phone_set\"}" >>/var/log/lansync/sntpd.jsonl'
inside sh -c 'echo "#upstream 10.0.0.1" >>/etc/lansync/sntpd.conf'

run_capture out inside env DEBIAN_FRONTEND=noninteractive apt-get remove -y lansync
check "apt-get remove" [ "$RC" -eq 0 ]
check "...sntpd is stopped" [ "$(inside systemctl is-active sntpd.service || true)" != active ]
check "...the binaries are gone" eval '! inside test -e /usr/sbin/sntpd && ! inside test -e /usr/bin/ntpprobe'
check "...the changed config is kept until purge" inside test -e /etc/lansync/sntpd.conf

run_capture out inside env DEBIAN_FRONTEND=noninteractive apt-get purge -y lansync
check "apt-get purge" [ "$RC" -eq 0 ]
check "...the config is gone" eval '! inside test -e /etc/lansync/sntpd.conf'
check "...and the NTS CA and certificate the postinst made" \
  eval '! inside test -e /etc/lansync/nts.key && ! inside test -e /etc/lansync/nts-ca.key && ! inside test -e /etc/lansync/nts.crt'
check "...the units are gone" eval '! inside test -e /lib/systemd/system/sntpd.service'
check "...and their enable links" eval '[ -z "$(inside find /etc/systemd/system -name "sntpd*")" ]'
check "...the package is unknown to dpkg" eval '! inside dpkg-query -W -f="\${Status}" lansync 2>/dev/null | grep -q installed'
check "...the state is kept" inside test -s /var/lib/lansync/sync-state.json
check "...the logs are kept" inside test -s /var/log/lansync/sntpd.jsonl
check "...the _lansync user is kept" inside getent passwd _lansync
check "systemctl --failed is empty" [ -z "$(inside systemctl --failed --no-legend --plain)" ]
finish
