#!/usr/bin/env bash
# Compiles the Arduino examples that need a library of library.properties'
# depends= (ChargerClock: MicroOcpp, and the ArduinoJson and WebSockets
# MicroOcpp needs) against the real ESP cores, after
# ../shared/tools/esp-cores/check.sh has compiled the library and its other
# examples in WORK (check.sh cannot: it knows the cores' own libraries only).
#
#   scripts/esp-check-depends.sh --work WORK --mirrors DIR
#
# The libraries come from bare git mirrors in DIR (OWNER+NAME/repo), at the
# versions MicroOcpp's own platformio.ini builds with.  Each example is
# compiled on every target check.sh compiled RaceButtons on, with that
# unit's exact command line (the core's flags, the cores' libraries, the
# lansync library), the libraries' src/ folders and the core's own libraries
# added to the include path.
# Compile only, as check.sh.  Results in WORK/depends/summary.txt, logs
# beside them; exit 0 when every unit compiled, 1 when one did not, 2 when
# WORK or a mirror is missing.
set -uo pipefail
work=
mirrors=
while [ $# -gt 0 ]; do
  case $1 in
    --work) work=$2; shift 2 ;;
    --mirrors) mirrors=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "esp-check-depends.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
die() { echo "esp-check-depends.sh: $*" >&2; exit 2; }
{ [ -n "$work" ] && [ -f "$work/summary.txt" ]; } || die "--work WORK: the folder check.sh compiled in (no WORK/summary.txt)"
[ -n "$mirrors" ] || die "--mirrors DIR: the folder of the git mirrors"

# NAME OWNER+REPO REV: MicroOcpp 1.2.0 and what its platformio.ini pins.
deps=(
  "MicroOcpp matth-x+MicroOcpp v1.2.0"
  "ArduinoJson bblanchon+ArduinoJson v6.20.1"
  "WebSockets Links2004+arduinoWebSockets 2.4.1"
)
examples=(ChargerClock)

out=$work/depends
rm -rf "$out"
mkdir -p "$out/libs"
summary=$out/summary.txt
: >"$summary"
includes=()
for d in "${deps[@]}"; do
  read -r name repo rev <<<"$d"
  gd=$mirrors/$repo/repo
  [ -d "$gd" ] || die "no mirror $gd (fetch github:${repo/+//})"
  mkdir -p "$out/libs/$name"
  git --git-dir="$gd" archive "$rev" -- src | tar -x -C "$out/libs/$name" || die "cannot extract $repo at $rev"
  includes+=("-I$out/libs/$name/src")
  echo "library $name: $repo at $rev ($(git --git-dir="$gd" rev-parse "$rev^{commit}"))" >>"$summary"
done

status=0
for cmdfile in "$work"/logs/*/sketch/RaceButtons.ino.log.cmd; do
  target=$(basename "$(dirname "$(dirname "$cmdfile")")")
  case $target in esp32c3-ide) continue ;; esac  # gnu++11: not even the library builds there (check.sh)
  base=()
  eval "base=($(cat "$cmdfile"))"  # check.sh wrote it with printf %q
  for ex in "${examples[@]}"; do
    src=$work/sketch/$target/$ex/$ex.ino.cpp
    [ -f "$src" ] || die "no $src: run check.sh on this checkout first"
    log=$out/$target/$ex.log
    mkdir -p "$(dirname "$log")"
    cmd=()
    for a in "${base[@]}"; do
      case $a in
        */sketch/"$target"/RaceButtons/RaceButtons.ino.cpp) cmd+=("$src") ;;
        */RaceButtons.ino.o) cmd+=("$out/$target/$ex.o") ;;
        *) cmd+=("$a") ;;
      esac
    done
    cmd+=("${includes[@]}")
    # the core's own libraries the dependencies include (WiFiClientSecure, FS, ...),
    # as the Arduino builder finds them
    case $target in esp8266*) core=$work/cores/esp8266 ;; *) core=$work/cores/esp32 ;; esac
    for l in "$core"/libraries/*/src; do cmd+=("-I$l"); done
    printf '%q ' "${cmd[@]}" >"$log.cmd"
    if "${cmd[@]}" >"$log" 2>&1; then
      nw=$(grep 'warning:' "$log" | grep -vc "^$out/libs/")
      nd=$(grep 'warning:' "$log" | grep -c "^$out/libs/")
      echo "ok    $target sketch/$ex.ino ($nw warnings; $nd in the libraries it depends on)" >>"$summary"
    else
      echo "FAIL  $target sketch/$ex.ino: $(grep -m1 -E 'error' "$log" | cut -c1-300)" >>"$summary"
      status=1
    fi
  done
done
cat "$summary"
exit $status
