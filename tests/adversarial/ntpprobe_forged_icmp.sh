#!/usr/bin/env bash
# Anyone on the path can forge an ICMP "port unreachable": it must not end an
# ntpprobe query that still has time left.  A small server of the test's own
# answers every request 0.2 s late, after forging an ICMP port-unreachable for
# the first one to the client's socket (raw socket, in this test's private
# network namespace); ntpprobe must still take its time.  Then a port where
# nothing listens: the real ICMP is reported, at the timeout.
source "$(dirname "$0")/../interop/lib.sh"
enter_private_netns "$@"

python3 - >"$WORK/server.log" 2>&1 <<'PY' &
import socket, struct, time

def checksum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF); s += s >> 16
    return ~s & 0xFFFF

def forged_unreachable(client_port):
    # The datagram the client sent, as the ICMP error quotes it: its IP header and the first 8 bytes.
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + 48, 0, 0, 64, 17, 0,
                     socket.inet_aton("127.0.0.1"), socket.inet_aton("127.0.0.1"))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    udp = struct.pack("!HHHH", client_port, 11123, 8 + 48, 0)
    icmp = struct.pack("!BBHI", 3, 3, 0, 0) + ip + udp
    return icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]

def ntp_now():
    t = time.time() + 2208988800
    return struct.pack("!II", int(t), int((t % 1) * 2**32))

srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
srv.bind(("127.0.0.1", 11123))
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
pending, forged, end = [], 0, time.monotonic() + 60
print("listening", flush=True)
srv.settimeout(0.02)
while time.monotonic() < end:
    try:
        req, addr = srv.recvfrom(512)
        if not forged:
            raw.sendto(forged_unreachable(addr[1]), ("127.0.0.1", 0))
            forged += 1
            print("forged an ICMP port unreachable to port", addr[1], flush=True)
        pending.append((time.monotonic() + 0.2, req, addr, ntp_now()))
    except socket.timeout:
        pass
    for item in [p for p in pending if p[0] <= time.monotonic()]:
        _, req, addr, rx = item
        reply = struct.pack("!BBbb", 0x24, 2, 6, -20) + struct.pack("!II", 0, 0) + socket.inet_aton("10.0.0.1")
        reply += ntp_now() + req[40:48] + rx + ntp_now()
        srv.sendto(reply, addr)
        pending.remove(item)
PY
wait_for_log server "^listening"

run_capture out timeout 10 "$BIN/ntpprobe" -o json -t 2 127.0.0.1:11123
echo "      $(grep -v '^listening' "$WORK/server.log")"
check "the forged ICMP was sent" grep -q "forged an ICMP" "$WORK/server.log"
check "ntpprobe still takes the server's time: exit 0 ($(json status "$out"), $(json samples_ok "$out")/4 ok)" \
  eval '[ "$RC" -eq 0 ] && [ "$(json samples_ok "$out")" -ge 1 ]'

# Nothing listening: the real ICMP errors are reported once the time is up.
run_capture out timeout 10 "$BIN/ntpprobe" -t 0.5 127.0.0.1:11199
check "closed port: exit 1, and the ICMP error is named ($out)" \
  eval '[ "$RC" -eq 1 ] && grep -q "Connection refused (ICMP" <<<"$out"'
finish
