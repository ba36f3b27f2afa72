#!/usr/bin/env bash
# camsync --discover: SSDP M-SEARCH to 239.255.255.250:1900 and the UPnP
# description's X_accessURL, with the camera emulator answering on this
# namespace's loopback (multicast switched on, a route for 224.0.0.0/4).
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

ip link set lo multicast on
ip route add 224.0.0.0/4 dev lo
sync_state "$WORK/state.json" 60
C=("$BIN/camsync" --reference state --state "$WORK/state.json" --no-log --json --timeout 2)

run_capture out "${C[@]}" --discover
check "no camera: exit 1" [ "$RC" -eq 1 ]
check "no camera: says nobody answered" grep -q "no camera answered the SSDP search" "$WORK/last.err"

camera_emulator cam 8080 --offset 4 --ssdp
run_capture out "${C[@]}" --discover
check "one camera: exit 0" [ "$RC" -eq 0 ]
check "one camera: found at http://127.0.0.1:8080" [ "$(json camera "$out")" = http://127.0.0.1:8080 ]
check "one camera: set" [ "$(json action "$out")" = set ]
check "one camera: the emulator was set" [ "$(json puts "$(emulator_status 8080)")" = 1 ]

camera_emulator cam2 8081 --ssdp
run_capture out "${C[@]}" --discover
check "two cameras: exit 2" [ "$RC" -eq 2 ]
check "two cameras: names both" grep -q "several cameras answered (http://127.0.0.1:8080/ccapi, http://127.0.0.1:8081/ccapi)" "$WORK/last.err"

finish
