// Offset of a whole-second clock; see camera_offset.hpp.
#include "core/camera_offset.hpp"

#include "codec/timestamp.hpp"
#include "proto/units.hpp"

namespace lansync::core {
namespace {

using proto::kNsPerSecond;
constexpr int64_t kMaxOffsetS = 100LL * 366 * 86400;

}  // namespace

Result<OffsetBounds, OffsetError> camera_offset_bounds(const SecondReading* readings, size_t n) {
  if (n == 0) return fail(OffsetError::NoReadings);
  OffsetBounds b{INT64_MIN, INT64_MAX};
  for (size_t i = 0; i < n; ++i) {
    const SecondReading& r = readings[i];
    if (r.t4_ns < r.t1_ns) return fail(OffsetError::BadReading);
    int64_t local_s = codec::floor_div(r.t1_ns, kNsPerSecond);
    if (r.camera_s - local_s > kMaxOffsetS || local_s - r.camera_s > kMaxOffsetS) {
      return fail(OffsetError::BadReading);
    }
    // Differences of seconds first, so that nothing overflows.
    int64_t lo = (r.camera_s - local_s) * kNsPerSecond - (r.t4_ns - local_s * kNsPerSecond);
    int64_t hi = (r.camera_s + 1 - local_s) * kNsPerSecond - (r.t1_ns - local_s * kNsPerSecond);
    if (lo > b.lo_ns) b.lo_ns = lo;
    if (hi < b.hi_ns) b.hi_ns = hi;
  }
  if (b.lo_ns >= b.hi_ns) return fail(OffsetError::Inconsistent);
  return b;
}

EdgeWindow next_second_edge(const OffsetBounds& b, int64_t not_before_ns) {
  // Camera second k begins at local time k - θ, within [k - hi, k - lo].
  int64_t k = codec::floor_div(not_before_ns + b.hi_ns, kNsPerSecond);
  if (k * kNsPerSecond - b.hi_ns < not_before_ns) ++k;
  return EdgeWindow{k, k * kNsPerSecond - b.hi_ns, k * kNsPerSecond - b.lo_ns};
}

int64_t next_whole_second_ns(int64_t not_before_ns, int64_t lead_ns) {
  int64_t earliest_ns = not_before_ns + lead_ns;
  int64_t k = codec::floor_div(earliest_ns, kNsPerSecond);
  if (k * kNsPerSecond < earliest_ns) ++k;
  return k * kNsPerSecond;
}

}  // namespace lansync::core
