#!/usr/bin/env bash
# No function in libsync/, tools/ or firmware/ is longer than 100 lines: each
# C++ source and header there is scanned by function_length.py (a brace-depth
# scanner that knows comments, strings, characters, raw strings and
# preprocessor lines), which names the file, the function and its length.
#
#   function_length.sh [LIMIT]      LIMIT defaults to 100
set -euo pipefail
limit=${1:-100}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
python3 tests/checks/function_length.py --self-test
mapfile -t files < <(find libsync tools firmware -type f \
  \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.c' -o -name '*.cc' -o -name '*.ino' \) | sort)
# pipefail: the scanner's status is the pipeline's.
if ! python3 tests/checks/function_length.py "$limit" "${files[@]}" | sed 's/^/FAIL  /'; then
  exit 1
fi
echo "ok    no function in libsync/, tools/ or firmware/ is over $limit lines (${#files[@]} files)"
