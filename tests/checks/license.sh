#!/usr/bin/env bash
# The package's copyright file carries the same BSD-2-Clause text as LICENSE
# (in the machine-readable format's indented form: " ." for a blank line).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
license=$(sed -n '/^Redistribution/,$p' "$root/LICENSE")
copyright=$(sed -n '/^License: BSD-2-Clause$/,$p' "$root/debian/copyright" | tail -n +2 |
  sed -n '/^ Redistribution/,$p' | sed 's/^ \.$//; s/^ //')
if [ "$license" = "$copyright" ]; then
  echo "ok    debian/copyright holds LICENSE's text"
else
  echo "FAIL  debian/copyright and LICENSE differ:"
  diff <(echo "$license") <(echo "$copyright") || true
  exit 1
fi
