#!/usr/bin/env bash
# The VM tier's fixture: a Debian 12 disk image with this build's .deb installed,
# for QEMU to boot with a kernel of its own (tests/vm/lib.sh).
#
#   setup.sh VM_DIR SYSTEM_DIR     (ctest runs it as vm.setup, after system.setup)
#   setup.sh --base VM_DIR          (vm.base: the cached root file system alone, made
#                                   beside the other tiers, before the package exists)
#
# The .deb is the system tier's (SYSTEM_DIR/deb: scripts/package.sh, as shipped; its
# dependencies in SYSTEM_DIR/depends).
# The root file system is made once with mmdebstrap from Debian's packages and
# cached in $LANSYNC_VM_CACHE (default /var/cache/lansync-vm) under a hash of
# what it holds: systemd, Debian's kernel with an initramfs that mounts a virtio
# disk, chrony (the control daemon, disabled), adjtimex (the kernel clock's
# status, as a user reads it), jq and the package's dependencies.  Its network
# reaches the host's loopback alone: a static 10.0.2.15/24 on QEMU's user
# network and no default route (guest/etc/systemd/system/lansync-vm-net.service),
# so nothing in it can reach past the host.
# Each build then copies that tree, installs its .deb with dpkg, and packs it
# into VM_DIR/disk.img (ext4) beside the kernel and initramfs it boots.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
base_only=no
[ "${1:-}" = --base ] && { base_only=yes; shift; }
dir=$1
system_dir=${2:-}
cache=${LANSYNC_VM_CACHE:-/var/cache/lansync-vm}
source "$here/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the VM tier needs root (mmdebstrap, chroot)"
  exit 77
fi
if ! vm_qemu_runs; then
  echo "SKIP: $VM_QEMU cannot run here: $VM_QEMU_WHY"
  exit 77
fi
mkdir -p "$dir" "$cache"
t0=$(date +%s)

# The package's run-time dependencies as they are today (debian/control's shlibs), so that
# vm.base can make the file system before the package is built; any other the package
# names (SYSTEM_DIR/depends) is added, which makes another file system.
include="systemd,systemd-sysv,udev,dbus,iproute2,linux-image-amd64,initramfs-tools,chrony,adjtimex,jq"
include+=",libc6,libcpp-httplib0.11,libgcc-s1,libgnutls30,libmicrohttpd12,libnettle8,libmosquitto1,openssl,libsodium23,libssl3,libstdc++6"
if [ "$base_only" = no ]; then
  for dep in $(tr ',' ' ' <"$system_dir/depends"); do
    [[ ",$include," == *",$dep,"* ]] || include+=",$dep"
  done
fi
# v5: the hooks below; a change to them takes a new version.
key=$(printf 'bookworm minbase %s v5' "$include" | sha256sum | cut -c1-16)
base="$cache/bookworm-$key"
if [ ! -d "$base" ]; then
  rm -rf "$base.tmp"
  # The initramfs holds the three modules that mount the root disk (Debian builds them as
  # modules); the kernel's other modules, but for the network card's, are dropped (656 -> 390 MB).
  if ! mmdebstrap --variant=minbase --include="$include" \
    --customize-hook='printf "virtio_pci\nvirtio_blk\next4\n" >>"$1/etc/initramfs-tools/modules"' \
    --customize-hook='sed -i "s/^MODULES=.*/MODULES=list/" "$1/etc/initramfs-tools/initramfs.conf"' \
    --customize-hook='chroot "$1" update-initramfs -u -k all' \
    --customize-hook='cd "$1"/lib/modules/*/kernel && rm -rf sound drivers/gpu drivers/media drivers/infiniband drivers/net/wireless drivers/net/ethernet drivers/staging' \
    --customize-hook='chroot "$1" systemctl disable chrony.service' \
    --customize-hook='chroot "$1" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer' \
    --customize-hook='echo lansync-vm >"$1/etc/hostname"' \
    bookworm "$base.tmp" >"$dir/mmdebstrap.log" 2>&1; then
    tail -n 20 "$dir/mmdebstrap.log"
    echo "FAIL  mmdebstrap could not make the root file system"
    exit 1
  fi
  mv "$base.tmp" "$base"
  echo "ok    root file system made in $(($(date +%s) - t0)) s: $base ($(du -sh "$base" | cut -f1))"
else
  echo "ok    root file system from the cache: $base"
fi
[ "$base_only" = no ] || exit 0
deb=$(cat "$system_dir/deb")

root="$dir/root"
rm -rf "$root" "$dir/disk.img" "$dir/accel"
cp -a "$base" "$root"
cp "$root"/boot/vmlinuz-* "$dir/vmlinuz"
cp "$root"/boot/initrd.img-* "$dir/initrd.img"
cp "$deb" "$root/tmp/lansync.deb"
if ! chroot "$root" dpkg -i /tmp/lansync.deb >"$dir/dpkg.log" 2>&1; then
  tail -n 20 "$dir/dpkg.log"
  echo "FAIL  the .deb does not install: dpkg -i $deb"
  exit 1
fi
rm "$root/tmp/lansync.deb"
# sntpd follows the host's server at chronyd's poll (chrony.conf beside it).
printf 'upstream 10.0.2.2:11231\nmax-poll 4\n' >>"$root/etc/lansync/sntpd.conf"
cp -r "$here/guest/." "$root/"
chroot "$root" systemctl enable lansync-vm-net.service lansync-vm-responder.service lansync-vm-report.service \
  >/dev/null 2>&1
mke2fs -q -t ext4 -L root -d "$root" "$dir/disk.img" 1200M >/dev/null
rm -rf "$root"
echo "ok    QEMU boots it with $(vm_accel "$dir") (KVM where a kernel boots under it, else software emulation)"
echo "ok    disk image with $(basename "$deb") in $(($(date +%s) - t0)) s: $dir/disk.img"
