#!/usr/bin/env bash
# Every man page passes `mandoc -Tlint` without a single message, and every
# long option a tool's --help lists appears in that tool's man page and in the
# README.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${LANSYNC_BIN:-$root/build/bin}
status=0
for page in "$root"/man/*.[0-9]; do
  out=$(mandoc -Tlint "$page" 2>&1) || true
  if [ -n "$out" ]; then
    echo "FAIL  $out"
    status=1
  else
    echo "ok    $(basename "$page"): mandoc -Tlint is silent"
  fi
done
# Every tool with a page in section 1 or 8 must be built, and its options documented.
for page in "$root"/man/*.[18]; do
  tool=$(basename "${page%.*}")
  [ -x "$bin/$tool" ] || { echo "FAIL  $bin/$tool is not built"; status=1; continue; }
  for opt in $("$bin/$tool" --help | grep -o -E -- '--[a-z][a-z0-9-]*' | sort -u); do
    # man pages escape hyphens: --max-offset is written \-\-max\-offset
    if ! grep -qF -- "${opt//-/\\-}" "$page"; then
      echo "FAIL  $tool: $opt is in --help but not in $(basename "$page")"
      status=1
    fi
    if ! grep -qE -- "(^|[^a-z-])$opt([^a-z-]|\$)" "$root/README.md"; then
      echo "FAIL  $tool: $opt is in --help but not in README.md"
      status=1
    fi
  done
done
[ $status -eq 0 ] && echo "ok    every --help option is in its man page and the README"
exit $status
