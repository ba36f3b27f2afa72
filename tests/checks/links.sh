#!/usr/bin/env bash
# What the tools link, checked on their ELF NEEDED lists:
# - the NTP server links no HTTP, TLS, MQTT or compression library: HTTP is
#   parsed by sntpd-web, MQTT spoken by sntpd-mqtt and NTS-KE's TLS by sntpd-nts, processes of their own
#   (sntpd(8)), so that neither an HTTP client nor a broker can reach or exhaust
#   the NTP service's memory;
# - sntpd, ntpprobe and rtcset do not link libcrypto: for them it computes only
#   the SHA1 and AES128 CMAC MACs of key files, and is loaded when such a key is
#   used (libsync os/crypto_keys.cpp), so that a run without one does not pay for it.
#   (camsync and driftlog link it: they speak HTTP digest authentication to cameras.)
#
#   links.sh BIN_DIR
set -euo pipefail
bin=$1
status=0
needed() { readelf -d "$bin/$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
bad=$(grep -E '^lib(microhttpd|httplib|cpp-httplib|ssl|z|brotli[a-z]*|gnutls|curl|mosquitto)\.so' <<<"$(needed sntpd)" || true)
if [ -n "$bad" ]; then
  echo "FAIL  sntpd links $(paste -sd ' ' <<<"$bad")"
  status=1
else
  echo "ok    sntpd links $(needed sntpd | paste -sd ' '): no HTTP, TLS, MQTT or compression library"
fi
readelf -d "$bin/sntpd-web" | grep -q 'libmicrohttpd' || { echo "FAIL  sntpd-web does not link libmicrohttpd"; status=1; }
readelf -d "$bin/sntpd-mqtt" | grep -q 'libmosquitto' || { echo "FAIL  sntpd-mqtt does not link libmosquitto"; status=1; }
readelf -d "$bin/sntpd-nts" | grep -q 'libgnutls' || { echo "FAIL  sntpd-nts does not link libgnutls"; status=1; }
for tool in sntpd ntpprobe rtcset; do
  if needed "$tool" | grep -q '^libcrypto\.so'; then
    echo "FAIL  $tool links libcrypto (it should load it only for a SHA1 or AES128 key)"
    status=1
  else
    echo "ok    $tool does not link libcrypto"
  fi
done
exit $status
