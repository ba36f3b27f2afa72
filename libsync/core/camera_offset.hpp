// How far off a clock is that shows only whole seconds (a camera over CCAPI), from timed readings.
//
// Each reading is a request sent at local time t1 and answered at t4 carrying
// the camera's time truncated to the second, S.  At some instant r in
// [t1, t4] the camera's clock was in [S, S + 1).  With the offset θ = camera
// minus local (positive: the camera is ahead) and no drift over the few
// seconds of a measurement, S <= r + θ < S + 1, so every reading bounds θ:
//     S - t4 <= θ < S + 1 - t1.
// The intersection over all readings is the answer; readings that straddle a
// change of the camera's second narrow it to about one round trip plus the
// spacing between them.  This is hwclock's "wait for the seconds to change"
// in interval form.  Pure integer arithmetic on nanoseconds.
#pragma once

#include <cstddef>
#include <cstdint>

#include "codec/result.hpp"

namespace lansync::core {

struct SecondReading {
  int64_t t1_ns = 0;     // local clock when the request was sent, Unix ns
  int64_t t4_ns = 0;     // local clock when the reply arrived, Unix ns
  int64_t camera_s = 0;  // the camera's time in the reply, Unix seconds (UTC)
};

// The offset interval [lo_ns, hi_ns): camera minus local.
struct OffsetBounds {
  int64_t lo_ns = 0;
  int64_t hi_ns = 0;

  // The middle of the interval: the estimate.
  constexpr int64_t offset_ns() const { return lo_ns + (hi_ns - lo_ns) / 2; }
  // Half its width: the estimate is within this of the truth.
  constexpr int64_t uncertainty_ns() const { return (hi_ns - lo_ns) / 2; }
};

enum class OffsetError : uint8_t {
  NoReadings,
  BadReading,    // t4 before t1, or a camera time too far from the local one (±100 years)
  Inconsistent,  // no offset satisfies every reading: the camera's clock jumped or ran wild
};

// Intersects the bounds of n readings.
Result<OffsetBounds, OffsetError> camera_offset_bounds(const SecondReading* readings, size_t n);

// Where the camera's next second boundary falls on the local clock.
struct EdgeWindow {
  int64_t camera_s = 0;  // the camera's second that begins at the edge
  int64_t start_ns = 0;  // earliest local time of the edge
  int64_t end_ns = 0;    // latest local time of the edge
};

// The first camera second edge whose window starts at or after not_before_ns
// (local), given bounds on the offset.
EdgeWindow next_second_edge(const OffsetBounds& b, int64_t not_before_ns);

// The first whole local second T such that T - lead_ns >= not_before_ns: a
// request sent at T - lead_ns carrying T arrives as the camera should show T.
int64_t next_whole_second_ns(int64_t not_before_ns, int64_t lead_ns);

}  // namespace lansync::core
