# Shared helpers for the benchmarks that measure a server process (source it after
# tests/interop/lib.sh): its CPU time and its memory, from /proc.

# cpu_ns PID: CPU time of all its threads so far, ns.
cpu_ns() {
  cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# kb PID FIELD: a field of /proc/PID/status in kB (VmRSS, VmHWM, RssAnon, ...).
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
