#!/usr/bin/env bash
# The clients tier's table (clients.table, once, after its scripts): the rows each script
# wrote (tests/out/clients/NAME.rows: for each case, its client's verdict on sntpd, on the
# board and on chronyd or, over HTTP, a plain web server, and how they compare) as one
# Markdown table, printed and written to tests/out/clients/table.md.  The checks are the
# scripts' own; a script that wrote no rows (it did not run, or did not finish) is named.
#
#   bash tests/clients/table.sh     the table of the last run of the tier
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${LANSYNC_TEST_OUT:-$REPO/tests/out}/clients
mkdir -p "$OUT"
{
  echo "| client | case | sntpd | board | chronyd (HTTP: a plain web server) | compared |"
  echo "| --- | --- | --- | --- | --- | --- |"
  # NTP clients first (their reference is chronyd), then HTTP's, each in the scripts' order.
  for ref in chronyd "plain HTTP server"; do
    for f in "$OUT"/*.rows; do
      [ -e "$f" ] || continue
      awk -F'\t' -v ref="$ref" '$6 == ref { printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $7 }' "$f"
    done
  done
} >"$OUT/table.md"
cat "$OUT/table.md"
for script in "$(dirname "$0")"/*.sh; do
  name=$(basename "$script" .sh)
  case $name in lib | setup | table) continue ;; esac
  [ -s "$OUT/$name.rows" ] || echo "no rows from tests/clients/$name.sh (it did not run, or did not finish)"
done
echo "(written to $OUT/table.md)"
