#!/usr/bin/env bash
# Clients find the Pi by themselves (issue 43, part 3): the access point's
# DHCP server names the Pi as NTP server (option 42), as ESP-IDF's SNTP, the
# ESP boards' lwIP, systemd-networkd and dhclient's chrony hook take it.
# The Pi's ap0 is one end of a veth pair (192.168.4.1/24); a second "host",
# the client, holds the other end, wlan0, with no address.  Debian's dnsmasq
# runs the example the package ships (dist/dnsmasq-ap0.conf) on ap0, without
# DNS (--port=0), its lease and pid files in $WORK; busybox's udhcpc on wlan0
# asks for option 42 and records what the lease says (its -s script).  The
# client gets an address in the example's range and the Pi's address as its
# NTP server (dnsmasq's 0.0.0.0, "this host"), and a query to that address
# from the client is answered by sntpd (--local-stratum 10) on ap0.
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"
for tool in dnsmasq udhcpc; do
  command -v $tool >/dev/null ||
    { echo "SKIP: $tool is not installed (scripts/install-deps.sh --test: dnsmasq-base, udhcpc)"; exit $SKIP; }
done

# The client: a network namespace of its own, wlan0 its end of the veth pair.
unshare -n sleep 3600 &
CLIENT=$!
BG_PIDS+=("$CLIENT")
wait_until "$DEADLINE_S" eval '[ "$(readlink "/proc/$CLIENT/ns/net")" != "$(readlink /proc/self/ns/net)" ]' ||
  { failed "the client's network namespace was not made"; finish; exit; }
ip link add ap0 type veth peer name wlan0 netns "$CLIENT" && ip addr add 192.168.4.1/24 dev ap0 &&
  ip link set ap0 up && nsenter -t "$CLIENT" -n sh -c 'ip link set lo up && ip link set wlan0 up' ||
  { echo "SKIP: cannot create a veth pair in this namespace"; exit $SKIP; }
on_client() { nsenter -t "$CLIENT" -n "$@"; }

start_sntpd pi --listen 192.168.4.1:123 --local-stratum 10
wait_for_ntp 192.168.4.1:123

# dnsmasq as the Pi runs it, in the foreground: the shipped example, nothing of /etc/dnsmasq.*.
start dnsmasq dnsmasq --no-daemon --conf-file="$REPO/dist/dnsmasq-ap0.conf" --port=0 \
  --dhcp-leasefile="$WORK/dnsmasq.leases" --pid-file="$WORK/dnsmasq.pid" --log-facility=- --log-dhcp
wait_for_log dnsmasq "DHCP, IP range 192.168.4.100 -- 192.168.4.199"

# udhcpc's hook: takes the address, and records the lease's variables.
cat >"$WORK/udhcpc.script" <<EOF
#!/bin/sh
[ "\$1" = bound ] || exit 0
ip addr add "\$ip/\$mask" dev "\$interface"
printf 'ip=%s\nntpsrv=%s\nserverid=%s\n' "\$ip" "\$ntpsrv" "\$serverid" >"$WORK/lease.env"
EOF
chmod +x "$WORK/udhcpc.script"
base=$("$BIN/sntpd" status --json --control "$WORK/pi.sock")
# -q: quit once bound; -n: exit 1 with no lease after -t tries, -T s apart.
rc=0
timeout "$DEADLINE_S" nsenter -t "$CLIENT" -n udhcpc -i wlan0 -f -q -n -t 10 -T 2 -O ntpsrv \
  -s "$WORK/udhcpc.script" >"$WORK/udhcpc.log" 2>&1 || rc=$?
lease() { sed -n "s/^$1=//p" "$WORK/lease.env" 2>/dev/null; }
ip=$(lease ip)
ntpsrv=$(lease ntpsrv)
check "udhcpc on wlan0 got a lease from dnsmasq on ap0 (exit $rc: $ip from $(lease serverid))" \
  eval '[ "$rc" -eq 0 ] && [[ "$ip" == 192.168.4.1[0-9][0-9] ]] && [ "$(lease serverid)" = 192.168.4.1 ]'
check "...its NTP server (option 42) is the Pi's address on ap0, dnsmasq's 0.0.0.0 filled in: '$ntpsrv'" \
  [ "$ntpsrv" = 192.168.4.1 ]
check "...dnsmasq keeps the lease in its file in \$WORK" wait_until 10 grep -q " $ip " "$WORK/dnsmasq.leases"

run_capture probe on_client "$BIN/ntpprobe" -o json "$ntpsrv"
check "the client's query to its DHCP NTP server: sntpd answers, stratum 10 (exit $RC, $(json status "$probe"))" \
  eval '[ "$RC" -eq 0 ] && [ "$(json stratum "$probe")" = 10 ]'
check_offset "...its offset within the error sntpd states" "$probe" 0
now=$("$BIN/sntpd" status --json --control "$WORK/pi.sock")
more() { echo $(($(jq "$1" <<<"$now") - $(jq "$1" <<<"$base"))); }
check "...sntpd answered its $(json samples_sent "$probe") requests ($(more .counters.replies) replies more), from one new client ($(more .clients.seen))" \
  eval '[ "$(more .counters.replies)" = "$(json samples_sent "$probe")" ] && [ "$(more .clients.seen)" = 1 ]'
finish
