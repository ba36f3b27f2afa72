#!/usr/bin/env bash
# What may include what, checked on the #include lines of libsync/, firmware/ and tools/:
#   libsync's layers depend only downward: codec on nothing, proto on codec,
#     core on proto, codec and the C++ library, os on the three below, flow (the
#     procedures written against os's interfaces) on the four below and the C++
#     library, never a system header; cli (the command-line conventions) on all
#     of them and CLI11; no layer includes cli, and nothing in libsync includes
#     from tools/ or firmware/;
#   firmware/board includes only codec/, proto/, its own headers and <stdint.h>
#     and <stddef.h> (the boards compile it, freestanding);
#   firmware/host (lansync-board) may include libsync and firmware/board, and
#     files of its own directory or its include path, never tools/;
#   tools/X may include libsync, tools/common and its own directory, never
#     another tool's, and its parts include each other without a loop.
# Quoted includes that climb out of their directory ("../") are refused everywhere
# but as tools/common ("../common/").
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
status=0
bad() {
  echo "FAIL  $1"
  status=1
}
# includes DIR: every #include line below DIR, as FILE:LINE:TEXT.
includes() { grep -rHn --include='*.[ch]pp' --include='*.[ch]' --include='*.ino' '^\s*#\s*include' "$1" || true; }
libsync_dirs='codec|proto|core|os|flow|cli'

# codec: only its own headers and the two freestanding C headers.
while IFS= read -r line; do
  bad "codec may not include: $line"
done < <(includes libsync/codec | grep -v -E '#include ("codec/|<stdint\.h>|<stddef\.h>)')

# proto: codec and proto headers and the two freestanding C headers (the firmware compiles it).
while IFS= read -r line; do
  bad "proto may not include: $line"
done < <(includes libsync/proto | grep -v -E '#include ("codec/|"proto/|<stdint\.h>|<stddef\.h>)')

# core: codec, proto, core and standard C++ headers; no OS, no os layer, no libraries.
while IFS= read -r line; do
  bad "core may not include: $line"
done < <(includes libsync/core | grep -E '#include ("os/|"flow/|"cli/|<sys/|<unistd|<fmt/|<nlohmann/|<sodium|<netinet/|<arpa/|<poll|<CLI/)')

# os: no command line and no procedure; flow and cli are above it.
while IFS= read -r line; do
  bad "os may not include: $line"
done < <(includes libsync/os | grep -E '#include ("flow/|"cli/|<CLI/)')

# flow: libsync's layers below it and the C++ library; what it needs of the system, os gives it.
while IFS= read -r line; do
  bad "flow may not include: $line"
done < <(includes libsync/flow | grep -v -E '#include ("codec/|"proto/|"core/|"os/|"flow/|<[a-z_]+>)')

# libsync as a whole: its own layers only, never tools/ or firmware/.
while IFS= read -r line; do
  bad "libsync may include only its own layers: $line"
done < <(includes libsync | grep -E '#include "' | grep -v -E "#include \"($libsync_dirs)/")

# firmware/board: codec, proto, its own headers and the two freestanding C headers.
while IFS= read -r line; do
  bad "firmware/board may not include: $line"
done < <(includes firmware/board | grep -v -E '#include ("codec/|"proto/|"firmware/board/|<stdint\.h>|<stddef\.h>)')

# The rest of firmware/: libsync, firmware/, or a plain file name (its own directory, its include path).
while IFS= read -r line; do
  bad "firmware may include libsync, firmware/ and its own files, never tools/: $line"
done < <(includes firmware | grep -v '^firmware/board/' | grep -E '#include "' |
  grep -v -E "#include \"(($libsync_dirs|firmware)/|[^/\"]+\")")

# tools/X: libsync, tools/common, and files of its own, named from its top folder (its include
# path): NAME, or FOLDER/NAME in one of its folders by role, as tools/sntpd/upstream/.
for dir in tools/*/; do
  tool=${dir%/}
  while IFS= read -r line; do
    header=$(sed -E 's/.*#include "([^"]*)".*/\1/' <<<"$line")
    case "$header" in
      codec/* | proto/* | core/* | os/* | flow/* | cli/*) ;;
      common/* | ../common/*) ;;
      nlohmann/* | fmt/* | CLI/*) ;; # libraries, written with quotes
      */*/*) bad "$tool may include libsync, tools/common and its own files, not: $line" ;;
      *) [ -f "$tool/$header" ] ||
        bad "$tool may include libsync, tools/common and its own files ($header is not in $tool/): $line" ;;
    esac
  done < <(includes "$dir" | grep -E '#include "')
done

# tools/X's parts (NAME.hpp with its NAME.cpp) include each other without a loop: each stands on
# the parts below it (sntpd's web service once included the daemon that owns it).
shopt -s nullglob globstar
for dir in tools/*/; do
  tool=${dir%/}
  # A part is named by its path below the tool (upstream/upstream_peer), as its includes name it.
  edges=$(for f in "$tool"/**/*.[ch]pp; do
    from=${f#"$tool"/}
    from=${from%.*}
    sed -nE 's/^\s*#\s*include "([^"]+)\.hpp".*/\1/p' "$f" | while read -r to; do
      if [ "$to" != "$from" ] && [ -f "$tool/$to.hpp" ]; then echo "$from $to"; fi
    done
  done | sort -u)
  [ -n "$edges" ] || continue
  loop=$(tsort <<<"$edges" 2>&1 >/dev/null) || bad "$tool: its parts include each other in a loop: $(tr '\n' ' ' <<<"$loop")"
done

[ $status -eq 0 ] && echo "ok    codec, proto, core, os, flow and cli include only what their layer may; firmware/board only" \
  "codec, proto and its own headers; firmware/ and tools/ nothing of another tool, tools/ nothing of firmware/ and no loop among a tool's parts"
exit $status
