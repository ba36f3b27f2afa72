#!/usr/bin/env bash
# The unit tests of a cross build (armhf or arm64), run by that build's ctest
# under qemu-user (the toolchain's CMAKE_CROSSCOMPILING_EMULATOR), all but
# those of the two lists of lists.sh, which are printed by name with their
# reasons first: never a silent skip.  The passing tests are counted, the
# others shown.
#
#   unit.sh ARCH CROSS_BUILD_DIR
set -euo pipefail
arch=$1 dir=$2
here=$(dirname "$0")
exclude=()
print_list() {  # KIND TITLE
  local name reason n=0
  echo "$2"
  while IFS=$'\t' read -r name reason; do
    echo "  $name: $reason"
    exclude+=("$(sed 's/[][\\.*^$+?(){}|]/\\&/g' <<<"$name")")
    n=$((n + 1))
  done < <(bash "$here/lists.sh" "$1" "$arch")
  [ "$n" -gt 0 ] || echo "  (none)"
}
print_list qemu "== $arch: not run under qemu-user, which lacks what they test (they run natively in the unit tier):"
print_list time32 "== $arch: not run until branch time32 is merged (product bugs fixed there, tests/arch/fixed_on_branch_time32.txt):"
args=(--test-dir "$dir" -L unit -j "$(nproc)" --output-on-failure --timeout 300)
if [ ${#exclude[@]} -gt 0 ]; then
  args+=(-E "^($(IFS='|'; echo "${exclude[*]}"))\$")
fi
echo "== $arch: the unit tests under qemu-user"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
ctest "${args[@]}" >"$log" 2>&1 || rc=$?
grep -v -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed ' "$log" || true
exit "$rc"
