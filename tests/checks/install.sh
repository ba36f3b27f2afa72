#!/usr/bin/env bash
# `cmake --install` for people who build from source: into a scratch prefix,
# it installs every tool, man page, unit, the sysusers.d and tmpfiles.d
# entries, the udev rule and the default config, and the units run the tools
# from the prefix the build was configured for (CMake fills the paths in at
# configure time, as it does for every configured file).
#
#   install.sh BUILD_DIR CONFIGURED_PREFIX
set -euo pipefail
build=$1
configured=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
status=0
for f in sbin/sntpd sbin/rtcset bin/ntpprobe bin/driftlog bin/camsync bin/lansync-board \
  share/man/man8/sntpd.8 share/man/man5/sntpd.conf.5 share/man/man1/lansync-board.1 \
  lib/systemd/system/sntpd.service lib/systemd/system/camsync.timer lib/udev/rules.d/60-rtcset.rules \
  lib/sysusers.d/lansync.conf lib/tmpfiles.d/lansync.conf etc/lansync/sntpd.conf; do
  [ -e "$prefix/$f" ] || { echo "FAIL  cmake --install left out $f"; status=1; }
done
for unit in "$prefix"/lib/systemd/system/*.service; do
  exec_line=$(grep '^ExecStart=' "$unit")
  case "$exec_line" in
    "ExecStart=$configured/bin/"* | "ExecStart=$configured/sbin/"*) ;;
    *) echo "FAIL  $(basename "$unit"): $exec_line is not under $configured"; status=1 ;;
  esac
  if grep -q '@[A-Z_]*@' "$unit"; then echo "FAIL  $(basename "$unit") has an unfilled @VARIABLE@"; status=1; fi
done
[ $status -eq 0 ] && echo "ok    cmake --install: tools, man pages, units, sysusers.d, tmpfiles.d, udev rule, config"
exit $status
