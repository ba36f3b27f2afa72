#!/usr/bin/env bash
# Every time variable says its unit or its clock: in libsync/, tools/ and firmware/, no 64- or
# 32-bit integer variable or parameter is named with a bare time word (now, start, deadline,
# age, delay, offset, t, ...).  The code runs on several time scales at once (the monotonic
# clock, the disciplined system clock, a board's local counter, UTC, a camera's clock) in
# nanoseconds, microseconds and seconds, and `now` beside `clock_.now_ns()` invites adding one
# to the other: mono_now_ns, start_mono_ns, age_ns, offset_s say which.  The words are the
# ones a time value is usually called; a name with a suffix or a prefix passes.
set -euo pipefail
cd "$(dirname "$0")/../.."
words='now|time|delay|interval|timeout|elapsed|deadline|start|end|age|offset|since|until|wait|period|duration|when|at|t|ts|then|slept|gap'
pattern="\\b(const\\s+)?(std::)?(u?int64_t|int32_t)\\s+&?($words)\\b\\s*[=;,){]"
found=$(find libsync tools firmware -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.ino' \) -print0 |
  sort -z | xargs -0 grep -nEH "$pattern" | grep -vE '^[^:]+:[0-9]+:\s*//' || true)
if [ -n "$found" ]; then
  echo "$found" | sed 's/^/FAIL  a time without its unit or clock: /'
  exit 1
fi
echo "time names: every integer time in libsync/, tools/ and firmware/ names its unit or clock"
