// camsync's output: the human lines on stdout and the one JSON line per run (log, --json, syslog).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/camera_reference.hpp"
#include "flow/camera_sync.hpp"
#include "os/camera_state.hpp"
#include "os/error.hpp"

namespace lansync::camsync {

// Everything one run found and did, for the output and the activity log.
struct RunRecord {
  int64_t time_ns = 0;  // when the run started (local clock, Unix ns)
  std::string camera;   // base URL, "" when none was found
  std::optional<bool> trusted;
  std::string trust;  // the one-line reason
  std::optional<flow::SyncReport> sync;
  std::string result;   // ok, untrusted, unreachable, busy, refused, verify-failed, error
  std::string message;  // the error, one line
  std::string summary;  // the camera-state file's shorter line for a failure ("" = message)
  int exit_code = 0;
  std::string time_zone;  // the zone the camera was to show; empty: this machine's
  std::string zone_note;  // why --time-zone state fell back to this machine's zone
  // A run that answered the camera's appearance: the request's time (Unix ms), the order, when the
  // phone's set or verification was recorded (phone_then_camera), and one line saying so.
  std::optional<int64_t> appeared_unix_ms;
  std::optional<os::SyncOrder> order;
  std::optional<double> phone_sync_unix;
  std::string order_note;
  // camsync --camera-reference, this clock untrusted: the camera's clock read for sntpd.
  std::optional<core::CameraReading> reading;
};

// The JSON line (no newline).
std::string json_line(const RunRecord& r);

// The human lines for stdout, each ending in a newline.
std::string human_text(const RunRecord& r, int64_t threshold_ns);

// One line for a run without an error message, e.g. "camera set to Sun, 22
// Nov 2026 23:01:14 +1000 dst (was -4.999 s off)", "camera within the
// threshold (+0.002 s)".
std::string one_line_summary(const RunRecord& r);

// A failure in a few plain words for the phone page, which puts it after
// "Camera clock not set: ", e.g. "camera busy (503)", "camera unreachable
// (connection refused)"; the full error stays in the log and on stderr.
std::string failure_summary(const os::Error& e);

}  // namespace lansync::camsync
