#!/usr/bin/env bash
# camsync --discover: SSDP M-SEARCH to 239.255.255.250:1900 and the UPnP
# description's X_accessURL, with the camera emulator answering on this
# namespace's loopback (multicast switched on, a route for 224.0.0.0/4).
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

ip link set lo multicast on
ip route add 224.0.0.0/4 dev lo
sync_state "$WORK/state.json" 60
C=("$BIN/camsync" --reference state --state "$WORK/state.json" --no-log --json --timeout 2 --camera-state "")

run_capture out "${C[@]}" --discover
check "no camera: exit 1" [ "$RC" -eq 1 ]
check "no camera: says nobody answered" grep -q "no camera answered the SSDP search" "$WORK/last.err"

camera_emulator cam 8080 --offset 4 --ssdp
run_capture out "${C[@]}" --discover
check "one camera: exit 0" [ "$RC" -eq 0 ]
check "one camera: found at http://127.0.0.1:8080" [ "$(json camera "$out")" = http://127.0.0.1:8080 ]
check "one camera: set" [ "$(json action "$out")" = set ]
check "one camera: the emulator was set" [ "$(json puts "$(emulator_status 8080)")" = 1 ]

# A host on the LAN flooding answers, 200 LOCATIONs naming itself (127.0.0.2): at most 2 are kept
# (one warning), so camsync fetches 2 descriptions, not 200, and still finds the camera.
python3 - >"$WORK/flood.log" 2>&1 <<'PY' &
import socket, struct, time
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
rx.bind(("0.0.0.0", 1900))
rx.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
              struct.pack("4s4si", socket.inet_aton("239.255.255.250"), socket.inet_aton("0.0.0.0"),
                          socket.if_nametoindex("lo")))
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
tx.bind(("127.0.0.2", 0))
rx.settimeout(0.2)
print("listening", flush=True)
end = time.monotonic() + 60
while time.monotonic() < end:
    try:
        m, addr = rx.recvfrom(2048)
    except socket.timeout:
        continue
    if not m.startswith(b"M-SEARCH"):
        continue
    for i in range(200):
        tx.sendto(("HTTP/1.1 200 OK\r\nLocation: http://127.0.0.2:9/d%d.xml\r\n"
                   "ST: urn:schemas-canon-com:service:ICPO-CameraControlAPIService:1\r\n\r\n" % i).encode(), addr)
    print("flooded", addr, flush=True)
PY
flooder=$!
wait_for_log flood "^listening"
run_capture out "${C[@]}" --discover
kill $flooder 2>/dev/null || true
fetched=$(grep -c "cannot read the camera description http://127.0.0.2" "$WORK/last.err" || true)
check "flooded: the camera is still found and set (exit $RC)" [ "$RC" -eq 0 ]
check "flooded: one warning that the answers were capped" [ "$(grep -c "SSDP: more answers than" "$WORK/last.err")" = 1 ]
check "flooded: 2 of the flooder's 200 descriptions fetched ($fetched)" [ "$fetched" -eq 2 ]

camera_emulator cam2 8081 --ssdp
run_capture out "${C[@]}" --discover
check "two cameras: exit 2" [ "$RC" -eq 2 ]
check "two cameras: names both" grep -q "several cameras answered (http://127.0.0.1:8080/ccapi, http://127.0.0.1:8081/ccapi)" "$WORK/last.err"

finish
