// --camera-reference: a reading of the camera's clock that camsync recorded, taken as a last resort.
//
// At each choice of the reference, a reading not judged before (camsync's
// camera-state file, os/camera_state.hpp) is judged against the reference
// chosen (core::judge_camera_reading): when nothing better counts it steps
// the clock or records the agreement, source "camera", and the reference is
// chosen again from that record.
#pragma once

#include <cstdint>
#include <string>

#include "core/reference.hpp"
#include "os/clock.hpp"

namespace lansync::sntpd {

class ClockWriter;

class CameraFallback {
 public:
  // camera_state_path: camsync's camera-state file; max_age_ns: --max-age.
  CameraFallback(os::Clock& clock, ClockWriter& writer, std::string camera_state_path, int64_t max_age_ns)
      : clock_(clock), writer_(writer), path_(std::move(camera_state_path)), max_age_ns_(max_age_ns) {}

  // A new reading judged against choice (record_ns: the sync-state record's time, 0: none) and,
  // when it counts, applied; true when the clock was stepped or the agreement recorded.
  bool offer(const core::ReferenceChoice& choice, int64_t record_ns);

 private:
  os::Clock& clock_;
  ClockWriter& writer_;
  std::string path_;
  int64_t max_age_ns_;
  int64_t seen_ns_ = 0;  // the last reading judged (its measured time): each is judged once
};

}  // namespace lansync::sntpd
