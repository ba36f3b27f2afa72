#!/usr/bin/env bash
# Makes a sysroot for cross-building lansync for a Raspberry Pi architecture:
# Debian 12's packages of that architecture that lansync builds against
# (the -dev packages debian/control's Build-Depends names, GoogleTest, the C
# and C++ libraries), unpacked but never installed (nothing of the target runs)
# by mmdebstrap's extract variant, from the apt sources this machine uses.
#
#   scripts/cross/sysroot.sh ARCH DIR      ARCH armhf or arm64
#
# The cross compiler reads DIR with --sysroot (scripts/cross/*.cmake),
# qemu-user runs the results with -L DIR.  DIR/DEBIAN/shlibs and
# DIR/DEBIAN/symbols hold the unpacked packages' shlibs and symbols files, so
# that dpkg-shlibdeps -SDIR finds the Depends of a binary built against DIR
# (debian/rules does this when LANSYNC_SYSROOT is set).
#
# Why not dpkg --add-architecture: a foreign architecture's -dev packages must
# be of exactly the host's version of every Multi-Arch: same library, and a
# mirror's foreign indexes can lag the host's.  A suite whose index fails
# twice for ARCH ("File has unexpected size": an index in the middle of an
# update) is left out, with a message naming it; the main suite never is.
# DIR is reused when it was made from the same package list less than a week
# ago (older, it is made again: security updates).  Exit codes: 0
# made or reused, 1 mmdebstrap failed, 2 usage.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -eq 2 ] || { echo "usage: scripts/cross/sysroot.sh armhf|arm64 DIR" >&2; exit 2; }
arch=$1
dir=$2
case "$arch" in
  armhf | arm64) ;;
  *) echo "sysroot: unknown architecture '$arch' (use armhf or arm64)" >&2; exit 2 ;;
esac

mapfile -t pkgs < <(sed -n '/^Build-Depends:/,/^[A-Z][A-Za-z-]*:/p' debian/control \
  | grep -o '[a-z0-9][a-z0-9.+-]*-dev' | sort -u)
pkgs+=(libc6-dev libstdc++-12-dev libgtest-dev)
stamp="$arch ${pkgs[*]}"
# One maker at a time (the tests and scripts/package.sh may share DIR).
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9
if [ -f "$dir/.lansync-sysroot" ] && [ "$(cat "$dir/.lansync-sysroot")" = "$stamp" ] &&
  [ -n "$(find "$dir/.lansync-sysroot" -mtime -7)" ]; then
  exit 0
fi

# One line per suite, "deb [signed-by=KEYRING] URI SUITE COMPONENTS...", from
# the host's deb822 (*.sources) and one-line (*.list) apt sources; an
# arch= option is dropped (the host's own architecture).
host_sources() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    awk 'function flush() {
           if (types ~ /(^| )deb( |$)/ && enabled != "no")
             for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++)
               print "deb" (key != "" ? " [signed-by=" key "]" : "") " " u[i] " " s[j] " " comps
           types = ""; enabled = ""; key = ""; comps = ""; nu = 0; ns = 0 }
         /^[ \t]*$/ { flush(); next }
         /^#/ { next }
         tolower($1) == "types:" { $1 = ""; types = substr($0, 2) }
         tolower($1) == "enabled:" { enabled = tolower($2) }
         tolower($1) == "uris:" { nu = split(substr($0, index($0, $2)), u, " ") }
         tolower($1) == "suites:" { ns = split(substr($0, index($0, $2)), s, " ") }
         tolower($1) == "components:" { $1 = ""; comps = substr($0, 2) }
         tolower($1) == "signed-by:" && $2 ~ /^\// { key = $2 }
         END { flush() }' "$f"
  done
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | sed -n 's/^[ \t]*deb[ \t]/deb /p' | sed 's/ arch=[^] ]*//; s/\[ *\]//'
}

mapfile -t sources < <(host_sources)
[ ${#sources[@]} -gt 0 ] || { echo "sysroot: no apt sources found in /etc/apt" >&2; exit 1; }

# mmdebstrap with the given source lines, twice if need be; every attempt's log in $dir.log.
extract() {
  local attempt
  for attempt in 1 2; do
    rm -rf "$dir"
    printf '== mmdebstrap, attempt %s, sources:\n' "$attempt" >>"$dir.log"
    printf '%s\n' "$@" >>"$dir.log"
    if printf '%s\n' "$@" | mmdebstrap --variant=extract --architectures="$arch" --skip=cleanup/apt/cache \
      --include="$(IFS=,; echo "${pkgs[*]}")" "$codename" "$dir" - >>"$dir.log" 2>&1; then
      return 0
    fi
  done
  return 1
}

# While an index fails, leave out the suite it belongs to (never the main one).
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
: >"$dir.log"
while ! extract "${sources[@]}"; do
  bad=$(sed -n 's|.*Failed to fetch [^ ]*/dists/\([^/ ]*\)/.*|\1|p' "$dir.log" | tail -n 1)
  rest=()
  for line in "${sources[@]}"; do
    read -r -a words <<<"${line/\[*\] /}"
    [ -n "$bad" ] && [ "$bad" != "$codename" ] && [ "${words[2]}" = "$bad" ] || rest+=("$line")
  done
  if [ ${#rest[@]} -eq ${#sources[@]} ]; then
    tail -n 20 "$dir.log" >&2
    echo "sysroot: mmdebstrap failed for $arch (log: $dir.log)" >&2
    exit 1
  fi
  echo "sysroot: $arch: leaving out the suite $bad (its $arch index failed twice)" >&2
  sources=("${rest[@]}")
done

# The packages' shlibs and symbols files, for dpkg-shlibdeps; then the .debs go.
mkdir -p "$dir/DEBIAN"
: >"$dir/DEBIAN/shlibs"
: >"$dir/DEBIAN/symbols"
ctrl=$(mktemp -d)
trap 'rm -rf "$ctrl"' EXIT
for deb in "$dir"/var/cache/apt/archives/*.deb; do
  rm -rf "${ctrl:?}"/*
  dpkg-deb --control "$deb" "$ctrl"
  for f in shlibs symbols; do
    if [ -f "$ctrl/$f" ]; then cat "$ctrl/$f" >>"$dir/DEBIAN/$f"; fi
  done
done
rm -f "$dir"/var/cache/apt/archives/*.deb
echo "$stamp" >"$dir/.lansync-sysroot"
