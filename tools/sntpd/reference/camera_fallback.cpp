// The camera's reading as a last resort; see camera_fallback.hpp.
#include "reference/camera_fallback.hpp"

#include "core/camera_reference.hpp"
#include "os/camera_state.hpp"
#include "os/log.hpp"
#include "reference/clock_writer.hpp"

namespace lansync::sntpd {

bool CameraFallback::offer(const core::ReferenceChoice& choice, int64_t record_ns) {
  auto cs = os::read_camera_state(path_);
  if (!cs || !cs->reading || cs->reading->measured_unix_ns == seen_ns_) return false;
  seen_ns_ = cs->reading->measured_unix_ns;
  core::CameraTakeContext c;
  c.reading = *cs->reading;
  c.reference = choice;
  c.record_ns = record_ns;
  c.real_now_ns = os::read_clock_or_exit(CLOCK_REALTIME);
  c.served_minus_real_ns = clock_.now_ns() - c.real_now_ns;
  if (auto b = clock_.boot_stamp(); b) c.this_boot_id = b->boot_id;
  c.max_age_ns = max_age_ns_;
  core::CameraTakeVerdict v = core::judge_camera_reading(c);
  if (v.take == core::CameraTake::Ignore) {
    os::log::info("reference: the camera's clock ({}) not taken: {}", cs->camera, v.why);
    return false;
  }
  flow::ClockCorrection cc;
  cc.offset_ns = v.correction_ns;
  cc.step_threshold_ns = c.reading.bound_ns;  // beyond it, as judged: a step
  cc.allow_slew = false;
  cc.source = core::kCameraSyncSource;
  cc.uncertainty_ns = c.reading.bound_ns;
  os::Status done = writer_.correct_or_verify(cc, v.take == core::CameraTake::Verify);
  if (!done) {
    os::log::warn("reference: the camera's clock ({}): {}", cs->camera, done.error().message);
    return false;
  }
  os::log::info("reference: the camera's clock ({}), a last resort: {}", cs->camera, v.why);
  return true;
}

}  // namespace lansync::sntpd
