# Shared helpers for the system tests: a booted Debian 12 with the .deb.
#
# tests/system/setup.sh (ctest's fixture system.setup) built the package and
# a minimal Debian 12 root file system with mmdebstrap, cached outside the
# source tree.  Each test copies that root, boots it with systemd-nspawn in a
# network namespace of its own (--private-network: its own loopback, no route
# anywhere), and reaches into it with nsenter.  The container shares this
# machine's clock, so it never gets CAP_SYS_TIME (nspawn does not grant it
# unless asked, and nothing here asks); sntpd inside runs with `clock
# simulated` wherever a test needs its clock to change.
#
# Source this file first (it brings check, json, finish... of the interop
# tests' lib.sh), then `boot NAME`, `inside CMD...`, `install_package`,
# `reboot_container`; end with `finish`.
SYSTEM_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$SYSTEM_LIB_DIR/../interop/lib.sh"
SYSTEM_DIR=${LANSYNC_SYSTEM_DIR:-$REPO/build/system}

if [ "$(id -u)" -ne 0 ] || ! command -v systemd-nspawn >/dev/null; then
  echo "SKIP: the system tests boot containers: they need root and systemd-nspawn (systemd-container)"
  exit $SKIP
fi
[ -s "$SYSTEM_DIR/deb" ] && [ -s "$SYSTEM_DIR/rootfs" ] || {
  echo "FAIL  $SYSTEM_DIR has no package or root file system: run the system.setup test first"
  exit 1
}
DEB=$(cat "$SYSTEM_DIR/deb")
BASE_ROOT=$(cat "$SYSTEM_DIR/rootfs")
WORK=$(mktemp -d "${SYSTEM_DIR}/run.XXXXXX")
MACHINE=""
NSPAWN_PID=""
CPID=""
trap system_cleanup EXIT

# show TITLE TEXT: a user's command and its output, for the record (README).
show() { echo "      \$ $1"; sed 's/^/      /' <<<"$2"; }

# ap0_phone_set URL ORIGIN CAFILE [EXTRA_JSON_FIELDS]: phone_set (tests/interop/lib.sh)
# from a phone at 192.168.4.2 on the container's ap0: this machine's python3 in
# the container's network; CAFILE a path on this machine.  Body in $set.
ap0_phone_set() { PHONE_RUN="nsenter -t $CPID -n" PHONE_SOURCE=192.168.4.2 phone_set "$@"; }

system_cleanup() {
  local pid
  # Processes a test started with `start` (e.g. in the container's network namespace).
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
    if [ "${FAILED:-0}" -gt 0 ]; then
      echo "--- journal of the container"
      inside journalctl -b --no-pager -n 60 2>/dev/null || true
    fi
    poweroff_container || true
  fi
  if [ "${FAILED:-0}" -gt 0 ]; then
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done
  fi
  rm -rf "$WORK"
}

# boot NAME: a fresh copy of the base root as $WORK/NAME, booted.
boot() {
  MACHINE=$1
  cp -a --reflink=auto "$BASE_ROOT" "$WORK/$MACHINE"
  cp "$DEB" "$WORK/$MACHINE/root/"
  start_container
}

# Boots $WORK/$MACHINE (again: a reboot) and waits until systemd has finished
# starting it (at most 120 s).  Sets NSPAWN_PID and CPID (its init).
start_container() {
  local i
  # No --capability=: CAP_SYS_TIME would let the container set this machine's clock.
  systemd-nspawn -D "$WORK/$MACHINE" -b --register=no --keep-unit --console=read-only \
    --private-network -M "lansync-$MACHINE-$$" >>"$WORK/$MACHINE-console.log" 2>&1 &
  NSPAWN_PID=$!
  CPID=""
  local state=""
  for i in $(seq 240); do
    # The container's init: nspawn's child once it has become systemd (before
    # that, the child is nspawn's own set-up process, which goes away).
    CPID=$(pgrep -x systemd -P "$NSPAWN_PID" | head -n 1 || true)
    if [ -n "$CPID" ]; then
      state=$(inside systemctl is-system-running 2>/dev/null || true)
      case "$state" in running | degraded) return 0 ;; esac
    fi
    kill -0 "$NSPAWN_PID" 2>/dev/null || break
    sleep 0.5
  done
  failed "the container did not finish booting (state '$state'): $(tail -n 5 "$WORK/$MACHINE-console.log")"
  return 1
}

# inside CMD...: runs CMD in the container (all its namespaces), as root.
inside() { nsenter -t "$CPID" -a "$@"; }

# Powers the container off and waits for nspawn to end (at most 60 s).
poweroff_container() {
  local i
  inside systemctl poweroff >/dev/null 2>&1 || true
  for i in $(seq 120); do
    kill -0 "$NSPAWN_PID" 2>/dev/null || { wait "$NSPAWN_PID" 2>/dev/null || true; NSPAWN_PID=""; return 0; }
    sleep 0.5
  done
  kill "$NSPAWN_PID" 2>/dev/null || true
  wait "$NSPAWN_PID" 2>/dev/null || true
  NSPAWN_PID=""
  failed "the container did not power off within 60 s"
  return 1
}

# A reboot: power off, boot the same root again.
reboot_container() {
  poweroff_container && start_container
}

boot_id() { inside cat /proc/sys/kernel/random/boot_id; }

# boot_id_dropin UNIT NAME [SERVICE_LINES...]: /etc/systemd/system/UNIT.d/NAME.conf
# in the container's root: UNIT starts after the test's ap0.service, which
# saves this boot's boot_id in /run/container-boot-id, and sees that boot_id in
# its sandbox; the lines are added to [Service].  A sandbox (ProtectProc=,
# ProtectKernelTunables=...) mounts a procfs of its own, which shows the host
# kernel's boot_id: nspawn's per-container boot_id (mounted over
# /proc/sys/kernel/random/boot_id) is not there, and a container reboot does not
# reboot that kernel.  A Pi's kernel does; so the unit sees the container's in
# its place, its sandbox otherwise as shipped.
boot_id_dropin() {
  local dir=$WORK/$MACHINE/etc/systemd/system/$1.d name=$2
  shift 2
  mkdir -p "$dir"
  {
    printf '[Unit]\nRequires=ap0.service\nAfter=ap0.service\n[Service]\n'
    printf 'BindReadOnlyPaths=/run/container-boot-id:/proc/sys/kernel/random/boot_id\n'
    printf '%s\n' "$@"
  } >"$dir/$name.conf"
}

# install_package: `apt-get install ./lansync_*.deb` inside the booted
# container, as a user does (offline: the base root holds its dependencies).
install_package() {
  local deb
  deb=/root/$(basename "$DEB")
  if inside env DEBIAN_FRONTEND=noninteractive apt-get install -y "$deb" \
    >"$WORK/apt-install.log" 2>&1; then
    pass "apt-get install $deb"
  else
    failed "apt-get install $deb: $(tail -5 "$WORK/apt-install.log")"
    return 1
  fi
}

# wait_active UNIT: until systemctl says the unit is active (at most 30 s).
wait_active() {
  local i
  for i in $(seq 60); do
    [ "$(inside systemctl is-active "$1" 2>/dev/null)" = active ] && return 0
    sleep 0.5
  done
  return 1
}

# unit_status UNIT: the STATUS= line the unit last sent systemd.
unit_status() { inside systemctl show -p StatusText --value "$1"; }
