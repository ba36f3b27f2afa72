#!/usr/bin/env bash
# Builds the Debian package from this checkout with Debian's own tools
# (dpkg-buildpackage and debhelper, from debian/), then checks it with lintian.
#
#   scripts/package.sh OUTDIR [--arch ARCH]
#                                  writes OUTDIR/lansync_VERSION_ARCH.deb
#
# ARCH is this machine's architecture by default (a native build, as on a
# Pi); on amd64, --arch armhf or --arch arm64 cross-builds the package for a
# Raspberry Pi with Debian's cross compiler (dpkg-buildpackage -a), against a
# sysroot of that architecture's Debian 12 libraries that
# scripts/cross/sysroot.sh unpacks into .cross/sysroot-ARCH (kept for the next
# build, shared with the arch tier of the tests).  LANSYNC_WERROR=1 in the
# environment makes compiler warnings errors (the system tier sets it).
# The files git knows (committed or not, ignored ones left out) are copied to a
# scratch folder and built there, so the checkout's build directories are
# never read.  Exit codes: 0 built and lintian reports no error, 1 the build
# or lintian failed, 2 usage or a version that debian/changelog and
# CMakeLists.txt disagree on.
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { echo "usage: scripts/package.sh OUTDIR [--arch amd64|arm64|armhf]" >&2; exit 2; }
[ $# -eq 1 ] || [ $# -eq 3 ] || usage
native=$(dpkg-architecture -qDEB_BUILD_ARCH)
arch=$native
if [ $# -eq 3 ]; then
  [ "$2" = --arch ] || usage
  arch=$3
fi
case "$arch" in
  "$native") ;;
  amd64 | arm64 | armhf)
    [ "$native" = amd64 ] || { echo "package: cross-building is done from amd64 (this is $native)" >&2; exit 2; } ;;
  *) echo "package: unknown architecture '$arch' (use amd64, arm64 or armhf)" >&2; exit 2 ;;
esac
mkdir -p "$1"
out=$(cd "$1" && pwd)

scripts/install-deps.sh --package --arch "$arch"

version=$(sed -n 's/^project(lansync VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
deb_version=$(dpkg-parsechangelog -S Version)
if [ "$version" != "$deb_version" ]; then
  echo "package: CMakeLists.txt says $version but debian/changelog says $deb_version" >&2
  exit 2
fi
cross=()
if [ "$arch" != "$native" ]; then
  scripts/cross/sysroot.sh "$arch" "$PWD/.cross/sysroot-$arch"
  export LANSYNC_SYSROOT="$PWD/.cross/sysroot-$arch"
  cross=(-a"$arch" -d)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src="$work/lansync-$version"
mkdir "$src"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"  # a file deleted but not yet committed is left out
done | tar -c --null -T - | tar -x -C "$src"

echo "package: dpkg-buildpackage in $src" >&2
if ! (cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc) nocheck" dpkg-buildpackage -b -us -uc "${cross[@]}") \
  >"$work/build.log" 2>&1; then
  tail -n 60 "$work/build.log" >&2
  echo "package: dpkg-buildpackage failed" >&2
  exit 1
fi
deb="lansync_${version}_${arch}.deb"
mv "$work/$deb" "$out/$deb"

# lintian reports no warning today; errors fail the build, anything else is shown.
if ! lintian --fail-on error --tag-display-limit 0 "$out/$deb" >"$work/lintian.log" 2>&1; then
  cat "$work/lintian.log" >&2
  echo "package: lintian reports errors" >&2
  exit 1
fi
sed 's/^/package: lintian: /' "$work/lintian.log" >&2
echo "$out/$deb"
