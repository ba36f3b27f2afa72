#!/usr/bin/env bash
# Every C and C++ file in the repository is formatted as .clang-format says
# (clang-format --dry-run -Werror); lists the files that are not.  To fix one:
# clang-format -i FILE.  Exits 77 (skipped) when clang-format is missing
# (scripts/install-deps.sh --test installs it).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
command -v clang-format >/dev/null || { echo "SKIP: clang-format is not installed"; exit 77; }
mapfile -t files < <(git ls-files '*.c' '*.h' '*.cpp' '*.hpp' 2>/dev/null ||
  find libsync tools firmware tests bench -name '*.[ch]' -o -name '*.[ch]pp')
# One clang-format for all files (a process per file cost 100 s of start-ups);
# it names each file that differs in a "FILE:LINE:COL: error:" line.
bad=()
if ! out=$(clang-format --dry-run -Werror "${files[@]}" 2>&1); then
  mapfile -t bad < <(sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: .*/\1/p' <<<"$out" | sort -u)
  [ ${#bad[@]} -gt 0 ] || bad=("(clang-format failed: $(head -n 1 <<<"$out"))")
fi
if [ ${#bad[@]} -gt 0 ]; then
  printf 'FAIL  not formatted (clang-format -i FILE): %s\n' "${bad[@]}"
  exit 1
fi
echo "ok    ${#files[@]} C and C++ files formatted as .clang-format says ($(clang-format --version | head -1))"
