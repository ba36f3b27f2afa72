#!/usr/bin/env bash
# `cmake --install` for people who build from source: staged in a scratch
# folder (DESTDIR, so that a /usr build never writes into this machine), it
# installs every tool, man page, unit, the sysusers.d and tmpfiles.d
# entries, the udev rule, the default config and the dnsmasq example (in
# share/doc/lansync/examples: the access point's DHCP names the Pi as NTP
# server, tests/interop/dhcp_ntp.sh), and the units run the tools
# from the prefix the build was configured for (CMake fills the paths in at
# configure time, as it does for every configured file).
#
#   install.sh BUILD_DIR CONFIGURED_PREFIX
set -euo pipefail
build=$1
configured=$2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
DESTDIR=$stage cmake --install "$build" >/dev/null
status=0
# Under the configured prefix, or for a /usr build in /lib and /etc.
for f in sbin/sntpd libexec/lansync/sntpd-web libexec/lansync/sntpd-mqtt libexec/lansync/sntpd-nts sbin/rtcset bin/ntpprobe bin/driftlog bin/camsync bin/lansync-board \
  share/man/man8/sntpd.8 share/man/man5/sntpd.conf.5 share/man/man1/lansync-board.1 \
  lib/systemd/system/sntpd.service lib/systemd/system/camsync.timer lib/udev/rules.d/60-rtcset.rules \
  lib/sysusers.d/lansync.conf lib/tmpfiles.d/lansync.conf etc/lansync/sntpd.conf \
  share/doc/lansync/examples/dnsmasq-ap0.conf; do
  [ -e "$stage$configured/$f" ] || [ -e "$stage/$f" ] || { echo "FAIL  cmake --install left out $f"; status=1; }
done
units=$(find "$stage" -path '*/systemd/system/*.service')
[ "$(wc -w <<<"$units")" -ge 4 ] || { echo "FAIL  cmake --install gave $(wc -w <<<"$units") service units"; status=1; }
for unit in $units; do
  exec_line=$(grep '^ExecStart=' "$unit")
  case "$exec_line" in
    "ExecStart=$configured/bin/"* | "ExecStart=$configured/sbin/"*) ;;
    *) echo "FAIL  $(basename "$unit"): $exec_line is not under $configured"; status=1 ;;
  esac
  if grep -q '@[A-Z_]*@' "$unit"; then echo "FAIL  $(basename "$unit") has an unfilled @VARIABLE@"; status=1; fi
done
[ $status -eq 0 ] && echo "ok    cmake --install: tools, man pages, units, sysusers.d, tmpfiles.d, udev rule, config, dnsmasq example"
exit $status
