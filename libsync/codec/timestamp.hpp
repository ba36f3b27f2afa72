// NTP timestamp formats and their conversion to integer nanoseconds since the Unix epoch.
//
// RFC 5905 §6: a timestamp is 32.32 fixed-point seconds since 1900-01-01 00:00 UTC
// and wraps every 2^32 s (first on 2036-02-07 06:28:16 UTC); the short format
// (root delay, root dispersion) is unsigned 16.16 seconds.  The wire holds no
// era number, so decoding picks the era that puts the time within ±2^31 s
// (about 68 years) of a pivot the caller trusts.  All arithmetic is integer:
// a double cannot hold today's time to better than a quarter microsecond.
#pragma once

#include <stdint.h>

namespace lansync::codec {

inline constexpr int64_t kNsPerSecond = 1'000'000'000;
// Seconds from 1900-01-01 (NTP prime epoch) to 1970-01-01 (Unix epoch).
inline constexpr int64_t kNtpToUnixSeconds = 2'208'988'800;
// Earliest time lansync assumes a clock can show (2026-01-01 00:00 UTC, Unix
// seconds).  Used as the lower bound for era pivots, so that a clock that
// booted in 1970 still decodes timestamps from after 2036 correctly.
inline constexpr int64_t kEarliestPlausibleUnixSeconds = 1'767'225'600;

// a / b rounded toward minus infinity, for a positive divisor (C++ division truncates toward
// zero): the whole second a time before 1970 falls in, floor_div(-1, 1e9) = -1.
constexpr int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// 64-bit NTP timestamp: seconds and 2^-32 s fraction, as on the wire.
struct NtpTimestamp {
  uint32_t seconds = 0;
  uint32_t fraction = 0;

  // RFC 5905 gives the all-zero timestamp the meaning "unknown / not set".
  constexpr bool is_zero() const { return seconds == 0 && fraction == 0; }
  constexpr uint64_t raw() const { return (uint64_t{seconds} << 32) | fraction; }
  static constexpr NtpTimestamp from_raw(uint64_t r) {
    return {static_cast<uint32_t>(r >> 32), static_cast<uint32_t>(r)};
  }
  friend constexpr bool operator==(NtpTimestamp a, NtpTimestamp b) {
    return a.seconds == b.seconds && a.fraction == b.fraction;
  }
};

// 32-bit NTP short format: unsigned 16.16 seconds (RFC 5905 §6).
struct NtpShort {
  uint32_t raw = 0;
  friend constexpr bool operator==(NtpShort a, NtpShort b) { return a.raw == b.raw; }
};

// Unix nanoseconds -> NTP timestamp, fraction rounded to the nearest 2^-32 s.
// Any era maps onto the same 64 bits (the era is not on the wire).
NtpTimestamp to_ntp(int64_t unix_ns);

// NTP timestamp -> Unix nanoseconds, in the era that lands within
// [pivot - 2^31 s, pivot + 2^31 s) of pivot_unix_ns.  The fraction is rounded
// to the nearest nanosecond.
int64_t from_ntp(NtpTimestamp ts, int64_t pivot_unix_ns);

// The pivot to unfold timestamps around, given the local clock: the local
// clock, but never earlier than kEarliestPlausibleUnixSeconds.
int64_t era_pivot(int64_t local_unix_ns);

// Nanoseconds (>= 0) -> short format, rounded up (it carries error bounds); negative gives 0,
// too large saturates.
NtpShort to_ntp_short(int64_t ns);

// Short format -> nanoseconds, rounded up to the nanosecond.
int64_t from_ntp_short(NtpShort s);

}  // namespace lansync::codec
