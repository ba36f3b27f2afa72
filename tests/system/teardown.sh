#!/usr/bin/env bash
# The system tier's last step (ctest's fixture cleanup): says how long the
# whole tier took, from system.setup's start.
#
#   teardown.sh SYSTEM_DIR
set -euo pipefail
dir=$1
if [ -s "$dir/started" ]; then
  echo "ok    the system tier took $(($(date +%s) - $(cat "$dir/started"))) s (package, root file system, every test)"
fi
