#!/usr/bin/env bash
# camsync against the camera emulator with digest authentication (MD5,
# SHA-256, both offered), wrong and missing credentials, and HTTPS with a
# self-signed certificate made here (--cacert, --insecure, neither).
source "$(dirname "$0")/lib.sh"
enter_private_netns "$@"

sync_state "$WORK/state.json" 60
C=("$BIN/camsync" --reference state --state "$WORK/state.json" --log "$WORK/camsync.jsonl" --json --camera-state "$WORK/camera-state.json")

# Digest authentication, each algorithm, and both offered (SHA-256 is chosen).
printf 'secret\n' >"$WORK/pw"
printf 'wrong\n' >"$WORK/badpw"
port=8090
for alg in md5 sha256 both; do
  camera_emulator "auth-$alg" $port --offset -4 --user admin --password secret --algorithm $alg
  run_capture out "${C[@]}" --camera http://127.0.0.1:$port --user admin --password-file "$WORK/pw"
  check "digest $alg: exit 0, set" [ "$RC $(json action "$out")" = "0 set" ]
  port=$((port + 1))
done
run_capture out "${C[@]}" --camera http://127.0.0.1:8090 --user admin --password-file "$WORK/badpw"
check "digest, wrong password: exit 6" [ "$RC" -eq 6 ]
check "digest, wrong password: says so" grep -q "refused the user name or password" "$WORK/last.err"
check "digest, wrong password: camera-state message ($(jq -r .message "$WORK/camera-state.json"))" \
  [ "$(jq -r .message "$WORK/camera-state.json")" = "the camera refused the user name or password" ]
run_capture out "${C[@]}" --camera http://127.0.0.1:8090
check "digest, no credentials: exit 6, asks for --user" \
  bash -c "[ $RC -eq 6 ] && grep -q 'give --user and --password-file' '$WORK/last.err'"
check "digest, no credentials: camera-state message ($(jq -r .message "$WORK/camera-state.json"))" \
  [ "$(jq -r .message "$WORK/camera-state.json")" = "the camera asks for a password (--user)" ]

# HTTPS with a self-signed certificate made here.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=camera \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
camera_emulator tls 8443 --offset 6 --cert "$WORK/cert.pem" --key "$WORK/key.pem"
run_capture out "${C[@]}" --camera https://127.0.0.1:8443
check "https without --cacert: exit 1" [ "$RC" -eq 1 ]
check "https without --cacert: says the certificate is not verified" grep -q "cannot verify the certificate" "$WORK/last.err"
check "https without --cacert: nothing set" [ "$(json puts "$(emulator_status 8443 https)")" = 0 ]
run_capture out "${C[@]}" --camera https://127.0.0.1:8443 --cacert "$WORK/cert.pem"
check "https --cacert: exit 0, set" [ "$RC $(json action "$out")" = "0 set" ]
curl -sk -X POST -d '{"offset_s":6}' https://127.0.0.1:8443/emulator/state >/dev/null
run_capture out "${C[@]}" --camera https://127.0.0.1:8443 --insecure
check "https --insecure: exit 0, set" [ "$RC $(json action "$out")" = "0 set" ]

finish
