#!/usr/bin/env bash
# Installs what lansync needs from Debian 12's packages, and nothing more.
#
#   scripts/install-deps.sh            build dependencies
#   scripts/install-deps.sh --test     also the peers and tools the tests run, and
#                                      playwright-core from npm (tests/browser);
#                                      --clients included
#   scripts/install-deps.sh --clients  also the clients of the clients tier
#                                      (tests/clients) that Debian ships with a
#                                      time service, or not at all: unpacked or
#                                      built into .peers/, never installed
#   scripts/install-deps.sh --bench    also what the benchmarks run
#   scripts/install-deps.sh --package  also what scripts/package.sh builds the
#                                      .deb with, and what the system tests
#                                      (tests/system) boot it in
#   scripts/install-deps.sh --arch ARCH
#                                      also what cross-builds for ARCH (armhf or
#                                      arm64; amd64 needs nothing more) and runs
#                                      the result: Debian's cross compiler,
#                                      qemu-user, mmdebstrap for the sysroot
#                                      (scripts/cross/sysroot.sh); --test
#                                      includes both Pi architectures (the
#                                      arch tier, tests/arch)
#
# Idempotent and silent when nothing is missing.  Needs root (or sudo) only
# when something must be installed.  Package installs never start a service:
# chrony's daemon must not run here, it would discipline this machine's clock.
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(cmake g++ make pkg-config libcli11-dev libfmt-dev libsodium-dev libgnutls28-dev nettle-dev nlohmann-json3-dev libgtest-dev libcpp-httplib-dev libmicrohttpd-dev libssl-dev
  libmosquitto-dev)
# libssl3, libcap2 and libbsd0 are what the unpacked ntpd links against; chromium
# (with a font) renders driftlog's SVG chart for tests/interop/driftlog_plot.sh,
# python3 checks the screenshot; systemd gives systemd-analyze, which checks
# the units in dist/; tzdata, openssl and curl serve the camsync tests (curl
# also the firmware's HTTP tests); clang with its runtime (libFuzzer) builds
# the fuzz targets of tests/fuzz (cmake -DCMAKE_CXX_COMPILER=clang++
# -DLANSYNC_FUZZ=ON).  nodejs runs playwright-core, which drives chromium
# through sntpd's phone page (tests/interop/sntpd_phone.sh); curl and
# python3-prometheus-client (its parser) check sntpd's HTTP interface.
# mosquitto and mosquitto-clients are the broker and its clients sntpd --mqtt
# is tested against (tests/interop/sntpd_mqtt.sh); installing mosquitto starts
# no service here (policy-rc.d, below).
# webkit2gtk-driver (WebKitWebDriver; WebKitGTK's MiniBrowser comes with it),
# python3-selenium (tests/browser/webkit.py drives it) and xvfb (an X server
# for WebKitGTK, which has no headless mode) run the same page in WebKit, the
# engine of every iPhone browser (tests/interop/sntpd_webkit*.sh).
# gcc-riscv64-unknown-elf with picolibc, gcc-xtensa-lx106 and qemu-user (its
# qemu-riscv32) build and run the firmware core for the boards
# (tests/checks/firmware_cross.sh); libfdt1, libpixman-1-0 and libslirp0 are
# what an emulated ESP32-C3 (../shared/tools/esp-qemu, where it is there) needs
# to run the board core's image (tests/target/esp32c3/run.sh); clang-format
# checks that every C and C++ file is formatted as .clang-format says
# (tests/checks/format.sh).
# libusb-1.0-0, libbluetooth3 and libdbus-1-3 are the libraries of gpsd, and
# python3-distutils a module of its gpsfake; gpsd itself is unpacked (below).
# strace's fault injection kills a tool at each of its system calls
# (tests/adversarial/crash_points.sh).
test_pkgs=(chrony faketime ntpsec-ntpdig mandoc jq iproute2 util-linux libssl3 libcap2 libbsd0 chromium
  fonts-dejavu-core python3 systemd tzdata openssl curl clang libclang-rt-14-dev nodejs python3-prometheus-client
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf gcc-xtensa-lx106 picolibc-xtensa-lx106-elf qemu-user zip
  clang-format webkit2gtk-driver python3-selenium xvfb mosquitto mosquitto-clients dnsmasq-base udhcpc strace
  libusb-1.0-0 libbluetooth3 libdbus-1-3 python3-distutils libfdt1 libpixman-1-0 libslirp0)
bench_pkgs=(hyperfine linux-perf)
# dpkg-buildpackage with debhelper builds the .deb and lintian checks it;
# mmdebstrap makes a Debian 12 root file system, systemd-nspawn boots it;
# qemu-system-x86 boots it as a virtual machine with its own kernel (tests/vm).
package_pkgs=(dpkg-dev debhelper lintian mmdebstrap systemd-container qemu-system-x86)
# Cross-building for the Pi: the target's libraries come from a sysroot that
# scripts/cross/sysroot.sh unpacks with mmdebstrap, not from the host's apt.
cross_pkgs() {
  case "$1" in
    armhf) echo g++-arm-linux-gnueabihf qemu-user mmdebstrap dpkg-dev ;;
    arm64) echo g++-aarch64-linux-gnu qemu-user mmdebstrap dpkg-dev ;;
    amd64) ;;
    *) echo "install-deps: unknown architecture '$1' (use armhf, arm64 or amd64)" >&2; return 2 ;;
  esac
}

# The clients tier's clients that ship no time service are installed (test_pkgs: ntpsec-ntpdig,
# chrony, curl); those that do, or that Debian ships without the client, are unpacked or built
# into .peers/ (below), and these build busybox's ntpd there from Debian's source.
clients_pkgs=(dpkg-dev bzip2 xz-utils make gcc)

want=("${build_pkgs[@]}")
peers=no
clients=no
while [ $# -gt 0 ]; do
  case "$1" in
    --test)
      read -r -a cross <<<"$(cross_pkgs armhf) $(cross_pkgs arm64)"
      want+=("${test_pkgs[@]}" "${package_pkgs[@]}" "${cross[@]}" "${clients_pkgs[@]}")
      peers=yes
      clients=yes
      ;;
    --clients) want+=("${clients_pkgs[@]}"); clients=yes ;;
    --bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}"); peers=yes ;;
    --package) want+=("${package_pkgs[@]}") ;;
    --arch)
      [ $# -gt 1 ] || { echo "install-deps: --arch needs armhf, arm64 or amd64" >&2; exit 2; }
      list=$(cross_pkgs "$2") || exit 2
      read -r -a cross <<<"$list"
      want+=("${cross[@]}")
      shift
      ;;
    *) echo "install-deps: unknown option '$1' (use --test, --clients, --bench, --package or --arch ARCH)" >&2; exit 2 ;;
  esac
  shift
done

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  # policy-rc.d exit 101 tells Debian's maintainer scripts not to start services.
  created_policy=no
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
    created_policy=yes
  fi
  trap '[ "$created_policy" = yes ] && as_root rm -f /usr/sbin/policy-rc.d' EXIT
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# unpack_peer PKG [VERSION]: Debian's PKG (VERSION, else the candidate) unpacked
# into .peers/PKG with apt-get download and dpkg-deb -x, never installed: no
# service of it runs, no conflict of it touches this machine, and it runs only
# inside a test's private namespace.  .peers/PKG.version names what is there; a
# different VERSION asked for unpacks again.
unpack_peer() {
  local pkg=$1 version=${2:-} tmp
  if [ -d ".peers/$pkg" ] && { [ -z "$version" ] || [ "$(cat ".peers/$pkg.version" 2>/dev/null)" = "$version" ]; }; then
    return 0
  fi
  echo "install-deps: unpacking $pkg${version:+ $version} into .peers/$pkg" >&2
  mkdir -p .peers
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download -qq "$pkg${version:+=$version}" >/dev/null 2>&1); then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    if ! (cd "$tmp" && apt-get download -qq "$pkg${version:+=$version}" >/dev/null 2>&1); then
      echo "install-deps: apt-get download $pkg${version:+=$version} failed" >&2
      rm -rf "$tmp"
      return 1
    fi
  fi
  rm -rf ".peers/$pkg"
  dpkg-deb -x "$tmp"/*.deb ".peers/$pkg" && dpkg-deb -f "$tmp"/*.deb Version >".peers/$pkg.version" ||
    { rm -rf "$tmp" ".peers/$pkg"; return 1; }
  rm -rf "$tmp"
}

# build_busybox_ntpd: busybox's ntpd (the client of routers, OpenWrt among them)
# built from Debian's busybox source into .peers/busybox/bin/busybox: Debian's
# busybox packages leave that applet out.  The source comes with apt-get source
# through a list of this machine's own Debian archives as deb-src entries, kept
# in a folder of its own (this machine's apt configuration is left as it is);
# the build is busybox's allnoconfig with ntpd and its usage text only.
build_busybox_ntpd() {
  [ -x .peers/busybox/bin/busybox ] && return 0
  echo "install-deps: building busybox's ntpd from Debian's source into .peers/busybox (about 30 s)" >&2
  local tmp apt_src o
  tmp=$(mktemp -d)
  mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial"
  apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT) $(ORIGIN)' 'Identifier: Packages' |
    awk '$4 == "Debian" || $4 == "Raspbian" { print "deb-src " $1 " " $2 " " $3 }' | sort -u >"$tmp/sources.list"
  [ -s "$tmp/sources.list" ] || {
    echo "install-deps: no Debian archive in apt's lists to take busybox's source from (apt-get update first)" >&2
    return 1
  }
  apt_src=(apt-get -qq -o Dir::Etc::SourceList="$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$tmp/lists" -o Dir::Cache="$tmp/cache" -o APT::Sandbox::User="$(id -un)")
  "${apt_src[@]}" update >/dev/null
  (cd "$tmp" && "${apt_src[@]}" source --download-only busybox >/dev/null)
  dpkg-source -x "$tmp"/busybox_*.dsc "$tmp/src" >/dev/null 2>&1
  if ! {
    make -C "$tmp/src" allnoconfig &&
      for o in BUSYBOX SHOW_USAGE FEATURE_VERBOSE_USAGE LONG_OPTS FEATURE_IPV6 NTPD; do
        sed -i "s/^# CONFIG_$o is not set\$/CONFIG_$o=y/" "$tmp/src/.config"
      done &&
      make -C "$tmp/src" oldconfig < <(yes '') &&
      grep -qx 'CONFIG_NTPD=y' "$tmp/src/.config" &&
      make -C "$tmp/src" -j "$(nproc)" busybox
  } >"$tmp/build.log" 2>&1; then
    tail -n 30 "$tmp/build.log" >&2
    echo "install-deps: busybox's build failed (its log: $tmp/build.log)" >&2
    return 1
  fi
  mkdir -p .peers/busybox/bin
  cp "$tmp/src/busybox" .peers/busybox/bin/busybox
  basename "$tmp"/busybox_*.dsc .dsc | sed 's/^busybox_//' >.peers/busybox.version
  rm -rf "$tmp"
}

# ntpsec's ntpd conflicts with chrony as a package, so the tests use a copy
# unpacked from Debian's .deb into .peers/ntpsec.
# gpsd ships a socket unit that would start it on this machine, so it is
# unpacked too, with gpsfake (gpsd-clients), its Python module and libgps:
# tests/interop/sntpd_gps.sh runs them in its own namespaces only.
if [ "$peers" = yes ]; then
  for p in ntpsec gpsd gpsd-clients python3-gps libgps28; do unpack_peer "$p"; done
fi

# The clients tier (tests/clients): systemd-timesyncd and htpdate ship a service
# that sets the clock, so they are unpacked, never installed (a Pi running the
# tests must not get a second time daemon); rdate and ntpsec-ntpdate likewise.
# systemd-timesyncd is the version of the systemd installed, whose private
# library it links, else (the archive has moved on) the archive's, which the
# tier's setup then checks can run.
if [ "$clients" = yes ]; then
  systemd_version=$(dpkg-query -W -f='${Version}' systemd)
  unpack_peer systemd-timesyncd "$systemd_version" || {
    echo "install-deps: no systemd-timesyncd $systemd_version to download: taking the archive's" >&2
    unpack_peer systemd-timesyncd "$(apt-cache policy systemd-timesyncd | sed -n 's/^ *Candidate: //p')"
  }
  for p in htpdate rdate ntpsec-ntpdate; do unpack_peer "$p"; done
  build_busybox_ntpd
fi

# playwright-core, the one npm package the tests use, at the version
# tests/browser/package-lock.json pins; `npm ci` runs again only when that
# lock changes.  It drives Debian's chromium: it never downloads a browser.
if [ "$peers" = yes ]; then
  if ! command -v npm >/dev/null; then
    echo "install-deps: installing npm" >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  stamp=tests/browser/node_modules/.lansync-package-lock.json
  if ! cmp -s tests/browser/package-lock.json "$stamp"; then
    echo "install-deps: npm ci in tests/browser (playwright-core)" >&2
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    cp tests/browser/package-lock.json "$stamp"
  fi
fi
