#!/usr/bin/env bash
# The arch tier's list of tests it does not run under qemu-user, with the
# reason of each (qemu_lacks.txt: what qemu-user does not emulate; each of
# them runs natively in the other tiers).  Lines "ARCH TEST REASON..." (ARCH
# armhf, arm64 or any; TEST a unit test Suite.Name or interop.SCRIPT); #
# starts a comment.
#
#   lists.sh ARCH TEST   prints the reason, exit 0 if listed, else 1
#   lists.sh ARCH        prints "TEST<tab>REASON" of every entry for ARCH
set -euo pipefail
awk -v arch="$1" -v test="${2:-}" '
  /^[ \t]*(#|$)/ { next }
  $1 == arch || $1 == "any" {
    name = $2; $1 = ""; $2 = ""; reason = substr($0, 3)
    if (test == "") print name "\t" reason
    else if (name == test) { print reason; found = 1; exit }
  }
  END { exit (test != "" && !found) }' "$(dirname "$0")/qemu_lacks.txt"
