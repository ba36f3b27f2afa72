#!/usr/bin/env bash
# Times past 2038 where time_t is 32 bits (Debian 12 armhf), checked on the
# sources of libsync/, tools/ and tests/support (README "Times past 2038"):
#   a .cpp that names a C library time type (time_t, timespec, timeval,
#     struct tm) or calls its time functions (clock_gettime, gmtime, localtime,
#     mktime, timegm, strftime) defines _TIME_BITS 64 and _FILE_OFFSET_BITS 64
#     before its first #include, so that the kernel and libc answer in 64 bits;
#   such a file includes no library compiled against Debian's 32-bit time_t
#     that takes times or time-sized structs from us (cpp-httplib's classes hold
#     time_t members; GoogleTest's inline helpers take struct stat);
#   no header names those types: only int64 nanoseconds cross between files,
#     so files built with and without _TIME_BITS agree on every declaration.
# Tests may compare with libc on the range their time_t holds; they are not checked.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
status=0
bad() {
  echo "FAIL  $1"
  status=1
}
uses='\btime_t\b|\btimespec\b|\btimeval\b|\bstruct tm\b|\bstd::tm\b|\bclock_gettime\b|\bgmtime|\blocaltime_r|\bmktime\b|\btimegm\b|\bstrftime\b'
# Comment lines are prose, not uses.
code_uses() { grep -nE "$uses" "$1" | grep -vE '^[0-9]+:\s*//' || true; }

while IFS= read -r f; do
  [[ -n $(code_uses "$f") ]] || continue
  first_include=$(grep -n -m1 '^\s*#\s*include' "$f" | cut -d: -f1)
  define=$(grep -n -m1 '^#define _TIME_BITS 64$' "$f" | cut -d: -f1 || true)
  offset=$(grep -n -m1 '^#define _FILE_OFFSET_BITS 64$' "$f" | cut -d: -f1 || true)
  if [[ -z $define || -z $offset || $define -gt $first_include || $offset -gt $first_include ]]; then
    bad "$f uses C library time types or calls without _TIME_BITS 64 and _FILE_OFFSET_BITS 64 before its includes: $(code_uses "$f" | head -1)"
  fi
  if grep -nE '#\s*include\s*<(httplib\.h|microhttpd\.h|openssl/|gtest/|gmock/)' "$f"; then
    bad "$f is built with 64-bit time_t but includes a library built with Debian's 32-bit time_t"
  fi
done < <(find libsync tools tests/support -name '*.cpp' | sort)

while IFS= read -r f; do
  if [[ -n $(code_uses "$f") ]]; then
    bad "$f: a header names a C library time type; pass int64 nanoseconds instead: $(code_uses "$f" | head -1)"
  fi
done < <(find libsync tools tests/support -name '*.hpp' -o -name '*.h' | sort)

[[ $status == 0 ]] && echo "ok: C library times only in files built with 64-bit time_t, none in headers"
exit $status
