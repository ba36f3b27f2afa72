#!/usr/bin/env bash
# The NTP server links no HTTP, TLS or compression library: HTTP is parsed by
# sntpd-web, a process of its own (sntpd(8)), so that an HTTP client can
# neither reach nor exhaust the NTP service's memory.  libcrypto is allowed:
# it computes the SHA1 and AES-CMAC MACs of --keys.
#
#   sntpd_links.sh BIN_DIR
set -euo pipefail
bin=$1
needed=$(readelf -d "$bin/sntpd" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
bad=$(grep -E '^lib(microhttpd|httplib|cpp-httplib|ssl|z|brotli[a-z]*|gnutls|curl)\.so' <<<"$needed" || true)
if [ -n "$bad" ]; then
  echo "FAIL  sntpd links $(paste -sd ' ' <<<"$bad")"
  exit 1
fi
readelf -d "$bin/sntpd-web" | grep -q 'libmicrohttpd' || { echo "FAIL  sntpd-web does not link libmicrohttpd"; exit 1; }
echo "ok    sntpd links $(paste -sd ' ' <<<"$needed"): no HTTP, TLS or compression library"
