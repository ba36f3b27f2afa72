#!/usr/bin/env bash
# No function in libsync/, tools/ or firmware/ is longer than 60 lines: each
# C++ source and header there is scanned by function_length.py (a brace-depth
# scanner that knows comments, strings, characters, raw strings and
# preprocessor lines), which names the file, the function and its length.
# The exceptions below are named with their reason, as ntpd-rs marks its
# too_many_lines; they may not pass 100 lines, and one that no longer needs
# its place on the list fails the check until it is taken off.
#
#   function_length.sh [LIMIT]      LIMIT defaults to 60
set -euo pipefail
limit=${1:-60}
ceiling=100
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
# FILE NAME|why it is longer
exceptions=(
  "tools/rtcset/main.cpp main|the command line, option by option in --help's order, then one dispatch: split, one table would be read in two places"
  "tools/driftlog/main.cpp main|the command line of three subcommands, option by option in --help's order"
  "tools/camsync/main.cpp main|the command line, option by option in --help's order, and --watch's check of which options it takes"
)
python3 tests/checks/function_length.py --self-test
mapfile -t files < <(find libsync tools firmware -type f \
  \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.c' -o -name '*.cc' -o -name '*.ino' \) | sort)
declare -A allowed=()
for e in "${exceptions[@]}"; do allowed[${e%%|*}]=unused; done
status=0
while IFS= read -r line; do
  # FILE:LINE: NAME is N lines (limit LIMIT)
  file=${line%%:*}
  rest=${line#*: }
  name=${rest%% is *}
  n=${rest#* is }
  n=${n%% *}
  key="$file $name"
  if [ -n "${allowed[$key]:-}" ] && [ "$n" -le "$ceiling" ]; then
    allowed[$key]=used
    continue
  fi
  echo "FAIL  $line"
  status=1
done < <(python3 tests/checks/function_length.py "$limit" "${files[@]}" || true)
for key in "${!allowed[@]}"; do
  if [ "${allowed[$key]}" = unused ]; then
    echo "FAIL  $key is listed as an exception but is within $limit lines (or gone): take it off the list"
    status=1
  fi
done
[ $status -eq 0 ] || exit 1
echo "ok    no function in libsync/, tools/ or firmware/ is over $limit lines (${#files[@]} files), but the ${#exceptions[@]} listed (at most $ceiling)"
