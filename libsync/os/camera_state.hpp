// The camera-state file: how camsync's last run went, for the phone page and GET /time.
//
// camsync writes it after every run (--camera-state, documented in camsync(1)):
// when it ran, whether it set the camera, found it right, refused (this clock
// not trustworthy, an unknown zone) or failed (camera unreachable, busy,
// refusing), the camera's offset before and after, one line saying why, and
// after a failure, when the next run is due (camsync --retry-interval); for a run that answered
// a camera's appearance (camsync --watch's request), when it appeared and in which order the
// phone and the camera were synced; when the camera was last set or found right from a good
// clock; and the camera's clock as read by a refused run of camsync --camera-reference.
// sntpd reads it to show the camera beside the Pi's own clock.  One small
// JSON object, replaced atomically (temporary file, fsync, rename) as the
// sync-state file is, so a reader never sees half a record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/camera_reference.hpp"
#include "os/error.hpp"

namespace lansync::os {

inline constexpr const char* kDefaultCameraStatePath = "/var/lib/lansync/camera-state.json";
// Where sntpd's POST /sync-camera asks for a camsync run (camsync.path watches it).
inline constexpr const char* kDefaultCameraRequestPath = "/var/lib/lansync/camera-request";

// The largest camera-state file read (a record is a few hundred bytes).
inline constexpr size_t kMaxCameraStateBytes = 16 * 1024;

// How a camsync run ended, as the file says it.
enum class CameraResult : uint8_t {
  Set,      // the camera was set and reads back within the threshold
  Ok,       // the camera was already within the threshold: left alone
  Refused,  // camsync would not set it: this clock untrusted, or an unknown zone
  Failed,   // camsync could not: unreachable, busy, the camera refused, still off after the set
};

// "set", "ok", "refused", "failed".
const char* code(CameraResult r);

// In which order a run that answered a camera's appearance went.
enum class SyncOrder : uint8_t {
  PhoneThenCamera,  // a phone set or verified this clock after the camera appeared, then the camera
  CameraOnly,       // the camera from this clock as it was: no phone held it, or none synced in time
};

// "phone_then_camera", "camera_only".
const char* code(SyncOrder o);

struct CameraState {
  double last_run_unix = 0;  // when the run started, Unix seconds (this machine's clock)
  CameraResult result = CameraResult::Failed;
  std::optional<double> offset_before_s;  // camera minus this clock before the run, s; positive: ahead
  std::optional<double> offset_after_s;   // the same after a set, s
  std::string camera;                     // the camera's base URL; empty when none was found
  std::string message;                    // one line: what happened, or why not
  std::optional<int64_t> retry_unix;      // after a failure: when the next run is due, Unix s; none: unknown
  // Only for a run that answered a camera's appearance (the camera-request file's time, Unix ms),
  // with its order and, after phone_then_camera, when the phone's set or verification was recorded.
  std::optional<int64_t> camera_appeared_unix_ms;
  std::optional<SyncOrder> order;
  std::optional<double> phone_sync_unix;
  // When a run last set the camera or found it right from a trusted clock, Unix s (carried over by
  // the runs that did not): how long the camera's clock has run on its own.
  std::optional<double> good_unix;
  // A refused run of camsync --camera-reference: the camera's clock read, for sntpd
  // --camera-reference (core/camera_reference.hpp).
  std::optional<core::CameraReading> reading;
};

// The JSON text written for a state (one line, with a trailing newline).
std::string format_camera_state(const CameraState& state);

// Parses JSON text as a camera state; `name` prefixes error messages, e.g.
// "camera-state.json: field 'result' must be one of set, ok, refused, failed".
OsResult<CameraState> parse_camera_state(const std::string& text, const std::string& name);

// Reads and validates the file (at most kMaxCameraStateBytes).
OsResult<CameraState> read_camera_state(const std::string& path);

// Replaces the file atomically (mode 0644), creating its directory if needed.
Status write_camera_state(const std::string& path, const CameraState& state);

}  // namespace lansync::os
