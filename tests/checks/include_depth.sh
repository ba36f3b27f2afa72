#!/usr/bin/env bash
# No source in libsync/, tools/ or firmware/ pulls in a chain of more than 10
# project headers (include_depth.py walks the #include "..." lines; system
# headers do not count).  Headers declare what they only name (a reference, a
# pointer, a unique_ptr with its destructor out of line) rather than include
# it.  chrony's deepest chain is 8; sntpd's was 21 before the check (issue 47).
#
#   include_depth.sh [LIMIT]      LIMIT defaults to 10
set -euo pipefail
cd "$(dirname "$0")"
python3 include_depth.py --self-test
python3 include_depth.py "${1:-10}"
