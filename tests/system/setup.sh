#!/usr/bin/env bash
# The system tier's fixture: builds the .deb (scripts/package.sh) and a minimal
# Debian 12 root file system to boot it in, then records both for the tests.
#
#   setup.sh SYSTEM_DIR       (ctest runs it as system.setup)
#
# The root file system is made once with mmdebstrap from Debian's packages and
# cached outside the source tree, in $LANSYNC_SYSTEM_CACHE (default
# /var/cache/lansync-system), under a name that hashes what it holds: systemd,
# the tools the tests use inside (iproute2, curl, jq, chrony as a client,
# mosquitto as the hub's broker, gpsd as the GPS receiver's daemon) and
# the package's own dependencies, so that `apt-get install ./lansync_*.deb`
# works offline in the booted container as it does on a Pi.  chrony.service
# is disabled there: only its chronyd is used, as a one-shot client.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
dir=$1
cache=${LANSYNC_SYSTEM_CACHE:-/var/cache/lansync-system}
mkdir -p "$dir" "$cache"
rm -rf "$dir"/run.*  # copies left by a test that was killed

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the system tests need root (mmdebstrap, systemd-nspawn)"
  exit 77
fi
t0=$(date +%s)
# Warnings are errors: this is the suite's one optimised build, as shipped.
deb=$(LANSYNC_WERROR=1 "$repo/scripts/package.sh" "$dir/deb-out" | tail -n 1)
echo "$deb" >"$dir/deb"
t1=$(date +%s)
echo "ok    package built in $((t1 - t0)) s: $deb"

# The package's dependencies, first alternative of each, without versions (the VM tier's
# image takes them from the file too: tests/vm/setup.sh).
deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep -v '^$' | sort -u |
  paste -sd, -)
echo "$deps" >"$dir/depends"
include="systemd,systemd-sysv,dbus,iproute2,curl,jq,chrony,mosquitto,mosquitto-clients,gpsd,$deps"
key=$(printf 'bookworm minbase %s v1' "$include" | sha256sum | cut -c1-16)
root="$cache/bookworm-$key"
if [ ! -d "$root" ]; then
  rm -rf "$root.tmp"
  if ! mmdebstrap --variant=minbase --include="$include" \
    --customize-hook='chroot "$1" systemctl disable chrony.service' \
    bookworm "$root.tmp" >"$dir/mmdebstrap.log" 2>&1; then
    tail -n 20 "$dir/mmdebstrap.log"
    echo "FAIL  mmdebstrap could not make the root file system"
    exit 1
  fi
  mv "$root.tmp" "$root"
  echo "ok    root file system made in $(($(date +%s) - t1)) s: $root ($(du -sh "$root" | cut -f1))"
else
  echo "ok    root file system from the cache: $root"
fi
echo "$root" >"$dir/rootfs"
