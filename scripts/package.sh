#!/usr/bin/env bash
# Builds the Debian package from this checkout with Debian's own tools
# (dpkg-buildpackage and debhelper, from debian/), then checks it with lintian.
#
#   scripts/package.sh OUTDIR      writes OUTDIR/lansync_VERSION_ARCH.deb
#
# The files git knows (committed or not, ignored ones left out) are copied to a
# scratch folder and built there, so the checkout's build directories are
# never read.  Exit codes: 0 built and lintian reports no error, 1 the build
# or lintian failed, 2 usage or a version that debian/changelog and
# CMakeLists.txt disagree on.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || { echo "usage: scripts/package.sh OUTDIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)

scripts/install-deps.sh --package

version=$(sed -n 's/^project(lansync VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
deb_version=$(dpkg-parsechangelog -S Version)
if [ "$version" != "$deb_version" ]; then
  echo "package: CMakeLists.txt says $version but debian/changelog says $deb_version" >&2
  exit 2
fi
arch=$(dpkg-architecture -qDEB_HOST_ARCH)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src="$work/lansync-$version"
mkdir "$src"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"  # a file deleted but not yet committed is left out
done | tar -c --null -T - | tar -x -C "$src"

echo "package: dpkg-buildpackage in $src" >&2
if ! (cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc) nocheck" dpkg-buildpackage -b -us -uc) \
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
