#!/usr/bin/env bash
# The hub's dashboard as a Pi owner sets it up: Debian's mosquitto broker on the
# Pi, one line in sntpd.conf, and Home Assistant's discovery configs and the
# state are there, retained, for any MQTT client to read back; sntpd-mqtt runs
# as _lansync-web without capabilities, the broker can start after sntpd (a
# restart of mosquitto: sntpd-mqtt connects again by itself), and a reboot
# brings it all back.
source "$(dirname "$0")/lib.sh"

boot mqtt
install_package
check "mosquitto, the hub's broker, is active" wait_active mosquitto.service
inside sh -c 'printf "local-stratum 10\nmqtt mqtt://127.0.0.1/lansync/pi\n" >>/etc/lansync/sntpd.conf'
inside systemctl restart sntpd.service
check "sntpd restarted with 'mqtt mqtt://127.0.0.1/lansync/pi' in sntpd.conf" wait_active sntpd.service
connected() { inside journalctl -b -u sntpd.service --no-pager -q | grep -c "sntpd-mqtt: connected to 127.0.0.1:1883"; }
check "its journal says sntpd-mqtt connected to the broker" wait_until 30 eval '[ "$(connected)" -ge 1 ]'
pid=$(inside pgrep -x sntpd-mqtt || true)
check "sntpd-mqtt runs as _lansync-web (pid $pid)" [ "$(inside stat -c %U "/proc/$pid")" = _lansync-web ]
check "...without any capability" \
  [ "$(inside grep -E '^Cap(Prm|Eff|Amb):' "/proc/$pid/status" | awk '{print $2}' | sort -u)" = 0000000000000000 ]

# read_back: the retained messages a client subscribing now gets, "TOPIC PAYLOAD" lines.
read_back() {
  inside timeout 20 mosquitto_sub -t 'homeassistant/#' -t 'lansync/#' -F '%r %t %p' -C 13 -W 15 2>/dev/null |
    sed -n 's/^1 //p'
}
got=$(read_back)
check "mosquitto_sub reads back 11 discovery configs, retained" \
  [ "$(grep -c '^homeassistant/.*/config {' <<<"$got" || true)" = 11 ]
host=$(inside hostname)
check "...of one device, 'lansync on $host'" \
  [ "$(grep '^homeassistant/' <<<"$got" | cut -d' ' -f2- | jq -r .device.name | sort -u)" = "lansync on $host" ]
state=$(sed -n 's/^lansync\/pi\/state //p' <<<"$got")
check "...and the state: synchronized, stratum 10, from local" \
  jq_true '.synchronized == true and .stratum == 10 and .source == "local"' <<<"$state"
check "...and availability online" grep -qx 'lansync/pi/availability online' <<<"$got"
show "mosquitto_sub -t 'homeassistant/#' -t 'lansync/#' -v" "$(grep -E '^(lansync/|homeassistant/binary_sensor|homeassistant/sensor/[^/]*/reliable_until)' <<<"$got")"

# The broker restarted (an upgrade, a crash): it loses nothing it persisted, and sntpd-mqtt is
# connected again by itself.
before=$(connected)
inside systemctl restart mosquitto.service
check "mosquitto restarted: sntpd-mqtt connects again by itself" wait_until 60 eval '[ "$(connected)" -gt "$before" ]'
st=$(inside sntpd status)
check "sntpd status says it: $(grep '^MQTT' <<<"$st" | tr '\n' ';')" grep -q '^MQTT .*, connected$' <<<"$st"

reboot_container
check "after a reboot: sntpd is active" wait_active sntpd.service
check "...and sntpd-mqtt connected" wait_until 60 eval '[ "$(connected)" -ge 1 ]'
got=$(read_back)
check "...the state read back says synchronized" \
  jq_true '.synchronized == true' <<<"$(sed -n 's/^lansync\/pi\/state //p' <<<"$got")"
check "systemctl --failed is empty" [ -z "$(inside systemctl --failed --no-legend --plain)" ]
warnings=$(inside journalctl -b -u sntpd.service -p warning --no-pager -q || true)
check "the unit's journal has no warning after the reboot (After=mosquitto.service)${warnings:+: $warnings}" \
  [ -z "$warnings" ]
finish
