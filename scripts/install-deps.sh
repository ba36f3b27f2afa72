#!/usr/bin/env bash
# Installs what lansync needs from Debian 12's packages, and nothing more.
#
#   scripts/install-deps.sh            build dependencies
#   scripts/install-deps.sh --test     also the peers and tools the tests run, and
#                                      playwright-core from npm (tests/browser)
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

build_pkgs=(cmake g++ make pkg-config libcli11-dev libfmt-dev libsodium-dev nlohmann-json3-dev libgtest-dev libcpp-httplib-dev libmicrohttpd-dev libssl-dev
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
# (tests/checks/firmware_cross.sh); clang-format checks that every C and C++
# file is formatted as .clang-format says (tests/checks/format.sh).
test_pkgs=(chrony faketime ntpsec-ntpdig mandoc jq iproute2 util-linux libssl3 libcap2 libbsd0 chromium
  fonts-dejavu-core python3 systemd tzdata openssl curl clang libclang-rt-14-dev nodejs python3-prometheus-client
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf gcc-xtensa-lx106 picolibc-xtensa-lx106-elf qemu-user zip
  clang-format webkit2gtk-driver python3-selenium xvfb mosquitto mosquitto-clients)
bench_pkgs=(hyperfine linux-perf)
# dpkg-buildpackage with debhelper builds the .deb and lintian checks it;
# mmdebstrap makes a Debian 12 root file system, systemd-nspawn boots it.
package_pkgs=(dpkg-dev debhelper lintian mmdebstrap systemd-container)
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

want=("${build_pkgs[@]}")
peers=no
while [ $# -gt 0 ]; do
  case "$1" in
    --test)
      read -r -a cross <<<"$(cross_pkgs armhf) $(cross_pkgs arm64)"
      want+=("${test_pkgs[@]}" "${package_pkgs[@]}" "${cross[@]}")
      peers=yes
      ;;
    --bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}"); peers=yes ;;
    --package) want+=("${package_pkgs[@]}") ;;
    --arch)
      [ $# -gt 1 ] || { echo "install-deps: --arch needs armhf, arm64 or amd64" >&2; exit 2; }
      list=$(cross_pkgs "$2") || exit 2
      read -r -a cross <<<"$list"
      want+=("${cross[@]}")
      shift
      ;;
    *) echo "install-deps: unknown option '$1' (use --test, --bench, --package or --arch ARCH)" >&2; exit 2 ;;
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

# ntpsec's ntpd conflicts with chrony as a package, so the tests use a copy
# unpacked from Debian's .deb into .peers/ntpsec (never installed, never run
# outside a private namespace).
if [ "$peers" = yes ] && [ ! -x .peers/ntpsec/usr/sbin/ntpd ]; then
  echo "install-deps: unpacking ntpsec's ntpd into .peers/ntpsec" >&2
  mkdir -p .peers
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq ntpsec >/dev/null 2>&1) || {
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    (cd "$tmp" && apt-get download -qq ntpsec >/dev/null 2>&1)
  }
  dpkg-deb -x "$tmp"/ntpsec_*.deb .peers/ntpsec
  rm -rf "$tmp"
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
