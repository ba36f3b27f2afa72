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
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  printf 'FAIL  not formatted (clang-format -i FILE): %s\n' "${bad[@]}"
  exit 1
fi
echo "ok    ${#files[@]} C and C++ files formatted as .clang-format says ($(clang-format --version | head -1))"
