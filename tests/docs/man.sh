#!/usr/bin/env bash
# The docs tier: docs/man/ holds each man page as mandoc renders it today (tests/docs/docs.py).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
exec python3 "$root/tests/docs/docs.py" man "$root"
