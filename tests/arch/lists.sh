#!/usr/bin/env bash
# The arch tier's two lists of tests it does not run, with the reason of each:
#   qemu_lacks.txt                what qemu-user does not emulate (the test
#                                 runs natively in the other tiers);
#   fixed_on_branch_time32.txt    product bugs that branch time32 fixes (the
#                                 lead empties this list when merging it).
# Lines "ARCH TEST REASON..." (ARCH armhf, arm64 or any; TEST a unit test
# Suite.Name or interop.SCRIPT); # starts a comment.
#
#   lists.sh qemu|time32 ARCH TEST   prints the reason, exit 0 if listed, else 1
#   lists.sh qemu|time32 ARCH        prints "TEST<tab>REASON" of every entry for ARCH
set -euo pipefail
case "$1" in
  qemu) file=$(dirname "$0")/qemu_lacks.txt ;;
  time32) file=$(dirname "$0")/fixed_on_branch_time32.txt ;;
  *) echo "lists.sh: qemu or time32" >&2; exit 2 ;;
esac
awk -v arch="$2" -v test="${3:-}" '
  /^[ \t]*(#|$)/ { next }
  $1 == arch || $1 == "any" {
    name = $2; $1 = ""; $2 = ""; reason = substr($0, 3)
    if (test == "") print name "\t" reason
    else if (name == test) { print reason; found = 1; exit }
  }
  END { exit (test != "" && !found) }' "$file"
