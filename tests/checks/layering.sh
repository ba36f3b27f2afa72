#!/usr/bin/env bash
# libsync's layers depend only downward: codec on nothing, proto on codec,
# core on proto, codec and the C++ library, os on the three below.  Checked on the #include lines.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root/libsync"
status=0
bad() { echo "FAIL  $1"; status=1; }

# codec: only its own headers and the two freestanding C headers.
while IFS= read -r line; do
  bad "codec may not include: $line"
done < <(grep -Hn '#include' codec/* | grep -v -E '#include ("codec/|<stdint\.h>|<stddef\.h>)')

# proto: codec and proto headers and the two freestanding C headers (the firmware compiles it).
while IFS= read -r line; do
  bad "proto may not include: $line"
done < <(grep -Hn '#include' proto/* | grep -v -E '#include ("codec/|"proto/|<stdint\.h>|<stddef\.h>)')

# core: codec, proto, core and standard C++ headers; no OS, no os layer, no libraries.
while IFS= read -r line; do
  bad "core may not include: $line"
done < <(grep -Hn '#include' core/* | grep -E '#include ("os/|<sys/|<unistd|<fmt/|<nlohmann/|<sodium|<netinet/|<arpa/|<poll)')

[ $status -eq 0 ] && echo "ok    codec includes only codec headers; proto only codec and proto headers; core includes no OS or os-layer headers"
exit $status
