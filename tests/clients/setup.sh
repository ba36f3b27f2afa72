#!/usr/bin/env bash
# The clients tier's setup (clients.setup, once, before its scripts): scripts/install-deps.sh
# --clients unpacks into .peers/ the clients that Debian ships with a service that sets the
# clock (systemd-timesyncd, htpdate), and rdate and ntpsec's ntpdate likewise, never
# installing them (a Pi running the tests gets no second time daemon), and builds busybox's
# ntpd from Debian's busybox source (Debian's busybox leaves that applet out).  Each client
# must then run here: one that cannot be had fails this setup and its own script, never a
# skip.  The rows of the last run's table (tests/out/clients) are removed.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=${LANSYNC_PEERS:-$REPO/.peers}
OUT=${LANSYNC_TEST_OUT:-$REPO/tests/out}/clients

"$REPO/scripts/install-deps.sh" --clients
rm -rf "$OUT"
mkdir -p "$OUT"
failed=0
for client in systemd-timesyncd:lib/systemd/systemd-timesyncd htpdate:usr/sbin/htpdate rdate:usr/sbin/rdate \
  ntpsec-ntpdate:usr/sbin/ntpdate busybox:bin/busybox; do
  pkg=${client%%:*}
  path=$PEERS/$pkg/${client#*:}
  if [ ! -x "$path" ]; then
    echo "FAIL  $pkg: $path is missing"
    failed=1
  elif ldd "$path" 2>/dev/null | grep -q 'not found'; then
    echo "FAIL  $pkg: $path cannot run: $(ldd "$path" | grep 'not found' | head -n 1)"
    failed=1
  else
    echo "ok    $pkg $(cat "$PEERS/$pkg.version" 2>/dev/null || echo '(version unknown)'): $path"
  fi
done
usage=$("$PEERS/busybox/bin/busybox" ntpd --help 2>&1 || true)
if ! grep -q -- '-w' <<<"$usage"; then
  echo "FAIL  busybox: no ntpd applet with -w (query only) in $PEERS/busybox/bin/busybox"
  failed=1
fi
exit "$failed"
