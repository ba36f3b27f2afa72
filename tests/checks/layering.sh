#!/usr/bin/env bash
# libsync's layers depend only downward: codec on nothing, core on codec and
# the C++ library, os on core and codec.  Checked on the #include lines.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root/libsync"
status=0
bad() { echo "FAIL  $1"; status=1; }

# codec: only its own headers and the two freestanding C headers.
while IFS= read -r line; do
  bad "codec may not include: $line"
done < <(grep -Hn '#include' codec/* | grep -v -E '#include ("codec/|<stdint\.h>|<stddef\.h>)')

# core: codec, core and standard C++ headers; no OS, no os layer, no libraries.
while IFS= read -r line; do
  bad "core may not include: $line"
done < <(grep -Hn '#include' core/* | grep -E '#include ("os/|<sys/|<unistd|<fmt/|<nlohmann/|<sodium|<netinet/|<arpa/|<poll)')

[ $status -eq 0 ] && echo "ok    codec includes only codec headers; core includes no OS or os-layer headers"
exit $status
