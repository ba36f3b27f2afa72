#!/usr/bin/env bash
# A Pi with a GPS receiver, as its owner sets it up from the README: Debian's
# gpsd with the receiver in /etc/default/gpsd and -n, one `gps` line in
# sntpd.conf, and `sntpd status` names the receiver as the reference, ntpprobe
# and chronyd get stratum 1, refid GPS.  The container has no serial port, so
# the receiver is this machine's tests/support/nmea_log.py sending its reports
# to gpsd's udp:// source inside the container's network (gpsd writes no
# segment for a pty), 3 s ahead of the container's clock (a Pi booted without
# a battery clock is behind), 100 ms late; everything else is as shipped: gpsd's and sntpd's units,
# their users, the sandbox sntpd runs in (its shared memory with gpsd's).
# sntpd runs on `clock simulated`: the container never gets CAP_SYS_TIME.
source "$(dirname "$0")/lib.sh"

boot gps
install_package
inside sh -c 'sed -i "s|^DEVICES=.*|DEVICES=\"udp://127.0.0.1:5000\"|; s|^GPSD_OPTIONS=.*|GPSD_OPTIONS=\"-n\"|" /etc/default/gpsd'
inside systemctl restart gpsd.service
check "gpsd is active, reading udp://127.0.0.1:5000 with -n" wait_active gpsd.service
start receiver nsenter -t "$CPID" -n python3 "$REPO/tests/support/nmea_log.py" --send 127.0.0.1:5000 600 3
inside sh -c 'printf "clock simulated\ngps shm:0 error 0.2\n" >>/etc/lansync/sntpd.conf'
inside systemctl restart sntpd.service
check "sntpd restarted with 'gps shm:0 error 0.2' in sntpd.conf" wait_active sntpd.service

state() { inside ntpprobe -o json -n 1 -t 1 127.0.0.1 2>/dev/null | jq -r '"\(.stratum) \(.refid)"' || true; }
check "ntpprobe: stratum 1, refid GPS" wait_until 60 eval '[ "$(state)" = "1 GPS" ]'
run_capture st inside sntpd status
show "sntpd status" "$st"
check "sntpd status: the reference is the receiver" grep -q "^Reference .*gps shm:0" <<<"$st"
check "...listed as the system peer, reachable" \
  jq_true '.upstreams[] | select(.server == "gps shm:0") | .state == "sys_peer" and .reachable' \
  <<<"$(inside sntpd status --json)"
# The receiver's time is the container's clock + 3 s - 100 ms (the test's uncertainty: the
# sender's sleep, a millisecond).
run_capture probe inside ntpprobe -o json 127.0.0.1
check_offset "ntpprobe: the receiver's time, not the container's" "$probe" 2.9 0.001
said=$(inside chronyd -Q -t 10 "server 127.0.0.1 iburst maxsamples 1" 2>&1 || true)
check "chronyd -Q: the container's clock wrong by the receiver's time ($(clock_wrong_by "$said") s)" \
  near "$(clock_wrong_by "$said")" 2.9 "$(probe_error_s "$probe")"
check "the journal says it follows the receiver" \
  eval 'inside journalctl -b -u sntpd.service --no-pager -q | grep -q "following upstream gps shm:0"'
check "systemctl --failed is empty" [ -z "$(inside systemctl --failed --no-legend --plain)" ]
finish
