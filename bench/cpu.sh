# Sourced by the benchmarks that give a server's CPU per reply (bench/sntpd.sh,
# bench/sntpd_profile.sh), so that both count it the same way.

# cpu_ticks PID: the CPU time the process has used (utime + stime, /proc), in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# us_per_reply TICKS REPLIES: those ticks in microseconds per reply, to 0.01.
us_per_reply() {
  awk -v d="$1" -v t="$((1000000 / $(getconf CLK_TCK)))" -v n="$2" 'BEGIN { printf "%.2f", d * t / n }'
}
