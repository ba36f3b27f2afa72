#!/usr/bin/env bash
# The docs tier: every relative link of README.md and docs/ reaches a file, every anchor a heading (tests/docs/docs.py).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
exec python3 "$root/tests/docs/docs.py" links "$root"
