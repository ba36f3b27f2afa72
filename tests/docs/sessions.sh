#!/usr/bin/env bash
# The docs tier: the runnable sessions of README.md and docs/ run in a sandbox, their output compared with the pages (tests/docs/docs.py).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
exec python3 "$root/tests/docs/docs.py" sessions "$root" ${LANSYNC_BIN:-$root/build/bin}
