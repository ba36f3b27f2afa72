#!/usr/bin/env bash
# Compiles the Arduino examples that need a library of library.properties'
# depends= (ChargerClock: MicroOcpp, and the ArduinoJson and WebSockets
# MicroOcpp needs; WallClock: MD_MAX72XX) against the real ESP cores, after
# ../shared/tools/esp-cores/check.sh has compiled the library and its other
# examples in WORK (check.sh cannot: it knows the cores' own libraries only).
#
#   scripts/esp-check-depends.sh --work WORK --mirrors DIR
#
# The libraries come from bare git mirrors in DIR (OWNER+NAME/repo), at
# pinned tags: the versions MicroOcpp's own platformio.ini builds with, and
# MD_MAX72XX's latest release.  Each example is compiled on every target
# check.sh compiled RaceButtons on, with that unit's exact command line (the
# core's flags, the cores' libraries, the lansync library), the src/ folders
# of the libraries it needs and the core's own libraries added to the
# include path.  An ESP32-only example (WallClock) must stop at its own
# #error on the ESP8266 targets, and nowhere else.
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

# NAME OWNER+REPO REV: MicroOcpp 1.2.0 and what its platformio.ini pins; MD_MAX72XX 3.5.1.
deps=(
  "MicroOcpp matth-x+MicroOcpp v1.2.0"
  "ArduinoJson bblanchon+ArduinoJson v6.20.1"
  "WebSockets Links2004+arduinoWebSockets 2.4.1"
  "MD_MAX72XX MajicDesigns+MD_MAX72XX v3.5.1"
)
examples=(ChargerClock WallClock)
declare -A needs=([ChargerClock]="MicroOcpp ArduinoJson WebSockets" [WallClock]="MD_MAX72XX")
declare -A esp32_only=([WallClock]=1)

out=$work/depends
rm -rf "$out"
mkdir -p "$out/libs"
summary=$out/summary.txt
: >"$summary"
for d in "${deps[@]}"; do
  read -r name repo rev <<<"$d"
  gd=$mirrors/$repo/repo
  [ -d "$gd" ] || die "no mirror $gd (fetch github:${repo/+//})"
  mkdir -p "$out/libs/$name"
  git --git-dir="$gd" archive "$rev" -- src | tar -x -C "$out/libs/$name" || die "cannot extract $repo at $rev"
  echo "library $name: $repo at $rev ($(git --git-dir="$gd" rev-parse "$rev^{commit}"))" >>"$summary"
done

# expect_own_error TARGET EX LOG CMD...: an ESP32-only example on the ESP8266 stops at its own #error.
expect_own_error() {
  local target=$1 ex=$2 log=$3
  shift 3
  if "$@" >"$log" 2>&1; then
    echo "FAIL  $target sketch/$ex.ino: compiled, but it is ESP32 only (its #error)" >>"$summary"
    return 1
  fi
  local first
  first=$(grep -m1 'error' "$log")
  if [[ $first == *"#error \"$ex is for the ESP32"* ]]; then
    echo "ok    $target sketch/$ex.ino stops at its own #error, as expected (ESP32 only)" >>"$summary"
    return 0
  fi
  echo "FAIL  $target sketch/$ex.ino: $(echo "$first" | cut -c1-300)" >>"$summary"
  return 1
}

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
    for name in ${needs[$ex]}; do cmd+=("-I$out/libs/$name/src"); done
    # the core's own libraries the dependencies include (WiFiClientSecure, FS, ...),
    # as the Arduino builder finds them
    case $target in esp8266*) core=$work/cores/esp8266 ;; *) core=$work/cores/esp32 ;; esac
    for l in "$core"/libraries/*/src; do cmd+=("-I$l"); done
    printf '%q ' "${cmd[@]}" >"$log.cmd"
    if [ -n "${esp32_only[$ex]:-}" ] && [[ $target == esp8266* ]]; then
      expect_own_error "$target" "$ex" "$log" "${cmd[@]}" || status=1
    elif "${cmd[@]}" >"$log" 2>&1; then
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
