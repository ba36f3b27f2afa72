// The camera as the last-resort reference; see camera_reference.hpp.
#include "core/camera_reference.hpp"

#include "core/exchange.hpp"
#include "core/trust.hpp"

namespace lansync::core {
std::optional<int64_t> camera_error_bound_ns(int64_t uncertainty_ns, std::optional<int64_t> good_ns,
                                             int64_t camera_now_ns) {
  if (!good_ns || *good_ns > camera_now_ns) return std::nullopt;
  // ppm of the elapsed ns, in two steps so that a century does not overflow.
  int64_t elapsed_ns = camera_now_ns - *good_ns;
  return uncertainty_ns + elapsed_ns / 1'000'000 * kCameraDriftPpm +
         elapsed_ns % 1'000'000 * kCameraDriftPpm / 1'000'000;
}

CameraTakeVerdict judge_camera_reading(const CameraTakeContext& c) {
  CameraTakeVerdict v;
  const CameraReading& r = c.reading;
  ReferenceRole role = c.reference.role;
  bool camera_record = role == ReferenceRole::Record && c.reference.source == kCameraSyncSource;
  if (role != ReferenceRole::None && role != ReferenceRole::LastResort && !camera_record) {
    v.why = "another reference counts: " + c.reference.detail;
    return v;
  }
  if (camera_record && c.real_now_ns + c.served_minus_real_ns - c.record_ns < c.max_age_ns / 2) {
    v.why = "the camera record is younger than half of --max-age";
    return v;
  }
  if (r.boot_id != c.this_boot_id) {
    v.why = "the reading was made in another boot";
    return v;
  }
  int64_t age_ns = c.real_now_ns - r.measured_unix_ns;
  if (age_ns < 0 || age_ns > kCameraReadingMaxAgeNs) {
    v.why = "the reading is " + seconds_text(age_ns) + " old, not within 5 min";
    return v;
  }
  if (r.measured_unix_ns + c.served_minus_real_ns <= c.record_ns) {
    v.why = "the reading is older than the sync-state record";
    return v;
  }
  if (r.bound_ns < 0 || r.bound_ns > proto::kMaxRootDistanceNs) {
    v.why = "the camera's error bound, " + seconds_text(r.bound_ns).substr(1) + ", is beyond 1.5 s";
    return v;
  }
  // The reading is camera minus system clock; the served clock is the system clock plus its own
  // difference (none but in simulation).
  v.correction_ns = r.offset_ns - c.served_minus_real_ns;
  int64_t magnitude = v.correction_ns < 0 ? -v.correction_ns : v.correction_ns;
  v.take = magnitude > r.bound_ns ? CameraTake::Step : CameraTake::Verify;
  v.why = (v.take == CameraTake::Step ? "stepped by " : "agrees, ") + seconds_text(v.correction_ns) + " (± " +
          seconds_text(r.bound_ns).substr(1) + ")";
  return v;
}

}  // namespace lansync::core
