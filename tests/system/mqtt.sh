#!/usr/bin/env bash
# The hub's dashboard as a Pi owner sets it up: Debian's mosquitto broker on the
# Pi, one line in sntpd.conf, and Home Assistant's discovery configs and the
# state are there, retained, for any MQTT client to read back; sntpd-mqtt runs
# as _lansync-web without capabilities, the broker can start after sntpd (a
# restart of mosquitto: sntpd-mqtt connects again by itself), a reboot
# brings it all back, and mqtts with a password works from files only root
# may read.
source "$(dirname "$0")/lib.sh"

boot mqtt
install_package
check "mosquitto, the hub's broker, is active" wait_active mosquitto.service
inside sh -c 'printf "local-stratum 10\nmqtt mqtt://127.0.0.1/lansync/pi\n" >>/etc/lansync/sntpd.conf'
inside systemctl restart sntpd.service
check "sntpd restarted with 'mqtt mqtt://127.0.0.1/lansync/pi' in sntpd.conf" wait_active sntpd.service
connected() { inside journalctl -b -u sntpd.service --no-pager -q | grep -c "sntpd-mqtt: connected to 127.0.0.1:1883"; }
check "its journal says sntpd-mqtt connected to the broker" wait_until 30 eval '[ "$(connected)" -ge 1 ]'
pid=$(inside sh -c 'grep -lx sntpd-mqtt /proc/[0-9]*/comm' 2>/dev/null | head -n 1 | cut -d/ -f3)
check "sntpd-mqtt runs as _lansync-web (pid $pid)" [ "$(inside stat -c %U "/proc/$pid")" = _lansync-web ]
check "...without any capability" \
  [ "$(inside grep -E '^Cap(Prm|Eff|Amb):' "/proc/$pid/status" | awk '{print $2}' | sort -u)" = 0000000000000000 ]
main=$(inside systemctl show -p MainPID --value sntpd.service)
rss() { inside awk '/^VmRSS/ { print $2 " kB" }' "/proc/$1/status"; }
echo "      VmRSS of the packaged build: sntpd $(rss "$main"), sntpd-mqtt $(rss "$pid")"

# read_back: the retained messages a client subscribing now gets, "TOPIC PAYLOAD" lines.
read_back() {
  { inside timeout 20 mosquitto_sub -h 127.0.0.1 -t 'homeassistant/#' -t 'lansync/#' -F '%r %t %p' -C 13 -W 15 2>/dev/null ||
    true; } | sed -n 's/^1 //p'
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

# mqtts with a password: the broker's TLS listener (a certificate of a CA of the owner's), the
# credentials root's alone (0600) and the CA in /etc/lansync, read by sntpd as root and handed to
# sntpd-mqtt, which runs as _lansync-web and could read neither file.
make_cert broker
mkdir -p "$WORK/$MACHINE/etc/mosquitto/certs"
cp "$WORK/broker.crt" "$WORK/broker.key" "$WORK/$MACHINE/etc/mosquitto/certs/"
cp "$WORK/broker.crt" "$WORK/$MACHINE/etc/lansync/mqtt-ca.pem"
inside chown mosquitto: /etc/mosquitto/certs/broker.key
inside mosquitto_passwd -c -b /etc/mosquitto/passwords hub 'correct horse'
inside chown mosquitto: /etc/mosquitto/passwords
inside sh -c 'printf "%s\n" "per_listener_settings true" "listener 1883 127.0.0.1" "allow_anonymous true" \
  "listener 8883 127.0.0.1" "certfile /etc/mosquitto/certs/broker.crt" "keyfile /etc/mosquitto/certs/broker.key" \
  "password_file /etc/mosquitto/passwords" "allow_anonymous false" >/etc/mosquitto/conf.d/lansync-test.conf'
inside systemctl restart mosquitto.service
check "mosquitto with a TLS listener and a password file" wait_active mosquitto.service
inside sh -c 'umask 077 && printf "username hub\npassword correct horse\n" >/etc/lansync/mqtt.credentials'
inside sed -i 's|^mqtt mqtt://127.0.0.1/lansync/pi$|mqtt mqtts://127.0.0.1/lansync/pi|' /etc/lansync/sntpd.conf
inside sh -c 'printf "mqtt-credentials /etc/lansync/mqtt.credentials\nmqtt-ca /etc/lansync/mqtt-ca.pem\n" >>/etc/lansync/sntpd.conf'
check "the credentials file is root's alone" \
  [ "$(inside stat -c '%U %a' /etc/lansync/mqtt.credentials)" = "root 600" ]
inside systemctl restart sntpd.service
check "sntpd restarted with mqtts://, mqtt-credentials and mqtt-ca" wait_active sntpd.service
tls_connected() { inside journalctl -b -u sntpd.service --no-pager -q | grep -c "sntpd-mqtt: connected to 127.0.0.1:8883"; }
check "sntpd-mqtt, as _lansync-web, connected over TLS with the password" \
  wait_until 30 eval '[ "$(tls_connected)" -ge 1 ]'
got=$(inside timeout 20 mosquitto_sub -h 127.0.0.1 -p 8883 --cafile /etc/lansync/mqtt-ca.pem -u hub \
  -P 'correct horse' -t 'lansync/#' -F '%r %t %p' -C 2 -W 15 2>/dev/null || true)
check "...and the state read back over TLS says synchronized" \
  jq_true '.synchronized == true' <<<"$(sed -n 's/^1 lansync\/pi\/state //p' <<<"$got")"
finish
