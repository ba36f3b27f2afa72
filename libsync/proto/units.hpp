// Time units and the protocol constants the Pi and the boards share, defined once.
//
// Times are integer nanoseconds (Unix ns for wall-clock times); rates are
// ppm or ppb as their names say.  RFC 5905 gives MAXDIST and PHI; the local
// reference ID is chrony's.  Freestanding, like the codec.
#pragma once

#include <stdint.h>

#include "codec/timestamp.hpp"

namespace lansync::proto {

using codec::kNsPerSecond;
inline constexpr int64_t kNsPerMs = 1'000'000;
inline constexpr int64_t kNsPerUs = 1'000;
inline constexpr int64_t kNsPerMinute = 60 * kNsPerSecond;
inline constexpr int64_t kNsPerHour = 60 * kNsPerMinute;

// RFC 5905 MAXDIST: a server whose root distance exceeds this is not used.
inline constexpr int64_t kMaxRootDistanceNs = 1'500'000'000;
// RFC 5905 PHI: the assumed worst-case frequency error of a clock, 15 ppm.
inline constexpr int64_t kPhiPpm = 15;
inline constexpr int64_t kPhiPpb = kPhiPpm * 1000;
// Reference ID of the local clock as a reference: 127.127.1.1, as chrony sends.
inline constexpr uint32_t kLocalRefid = 0x7F7F0101;

// How far one measurement's offset may be off, to weigh it in a line fit
// (chrony's rule, used by the boards' estimator and by driftlog): the noise
// floor plus half of how much its round trip exceeds the shortest seen, since
// the extra queueing on one leg moves the offset by at most that half.
constexpr int64_t sample_sigma_ns(int64_t floor_ns, int64_t delay_ns, int64_t least_delay_ns) {
  return floor_ns + (delay_ns > least_delay_ns ? (delay_ns - least_delay_ns) / 2 : 0);
}

// Seconds, for printing only (a double cannot hold today's time to the ns).
constexpr double to_seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

}  // namespace lansync::proto
