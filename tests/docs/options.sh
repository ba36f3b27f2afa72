#!/usr/bin/env bash
# The docs tier: every --option the pages give a lansync tool is in that tool's --help (tests/docs/docs.py).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
exec python3 "$root/tests/docs/docs.py" options "$root" ${LANSYNC_BIN:-$root/build/bin}
