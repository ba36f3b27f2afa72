// NTP timestamp conversions; see timestamp.hpp.
#include "codec/timestamp.hpp"

namespace lansync::codec {
namespace {

constexpr int64_t kEraSeconds = int64_t{1} << 32;

}  // namespace

NtpTimestamp to_ntp(int64_t unix_ns) {
  int64_t unix_s = floor_div(unix_ns, kNsPerSecond);
  auto sub_ns = static_cast<uint64_t>(unix_ns - unix_s * kNsPerSecond);  // [0, 1e9)
  int64_t ntp_s = unix_s + kNtpToUnixSeconds;
  // sub_ns < 2^30, so sub_ns * 2^32 < 2^62: no overflow.  Rounding never
  // reaches 2^32: the largest input gives 4294967292.
  uint64_t frac = ((sub_ns << 32) + kNsPerSecond / 2) / kNsPerSecond;
  // The era is dropped: only the low 32 bits of the seconds go on the wire.
  return {static_cast<uint32_t>(static_cast<uint64_t>(ntp_s) & 0xFFFFFFFFu), static_cast<uint32_t>(frac)};
}

int64_t from_ntp(NtpTimestamp ts, int64_t pivot_unix_ns) {
  int64_t pivot_ntp_s = floor_div(pivot_unix_ns, kNsPerSecond) + kNtpToUnixSeconds;
  // Distance from the pivot's position within its era, folded into
  // [-2^31, 2^31): this picks the era nearest the pivot.
  int64_t pivot_in_era = pivot_ntp_s - floor_div(pivot_ntp_s, kEraSeconds) * kEraSeconds;
  int64_t diff = int64_t{ts.seconds} - pivot_in_era;
  if (diff >= kEraSeconds / 2) diff -= kEraSeconds;
  if (diff < -kEraSeconds / 2) diff += kEraSeconds;
  int64_t ntp_s = pivot_ntp_s + diff;
  // fraction * 1e9 < 2^62.  The nearest nanosecond may be 1e9 (fractions
  // above 0xFFFFFFFE); adding it to the seconds carries correctly.
  auto frac_ns = static_cast<int64_t>((uint64_t{ts.fraction} * kNsPerSecond + (uint64_t{1} << 31)) >> 32);
  return (ntp_s - kNtpToUnixSeconds) * kNsPerSecond + frac_ns;
}

int64_t era_pivot(int64_t local_unix_ns) {
  constexpr int64_t floor_ns = kEarliestPlausibleUnixSeconds * kNsPerSecond;
  return local_unix_ns < floor_ns ? floor_ns : local_unix_ns;
}

NtpShort to_ntp_short(int64_t ns) {
  if (ns <= 0) return {0};
  constexpr int64_t max_ns = int64_t{65536} * kNsPerSecond;  // 2^16 s, beyond the format
  if (ns >= max_ns) return {0xFFFFFFFFu};
  // Rounded up, as chrony does: the format carries error bounds (root delay, root dispersion),
  // which must never be understated.  ns < 2^46, so ns * 2^16 < 2^62.
  uint64_t raw = ((static_cast<uint64_t>(ns) << 16) + kNsPerSecond - 1) / kNsPerSecond;
  return {raw > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<uint32_t>(raw)};
}

int64_t from_ntp_short(NtpShort s) {
  // Rounded up too (a bound read stays a bound).  raw < 2^32, so raw * 1e9 < 2^62.
  return static_cast<int64_t>((uint64_t{s.raw} * kNsPerSecond + 0xFFFFu) >> 16);
}

}  // namespace lansync::codec
