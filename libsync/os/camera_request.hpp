// The camera-request file: a request for a camsync run, and why, for camsync.path to act on.
//
// Two writers replace it: sntpd's POST /sync-camera (a page asks; reason "page") and camsync
// --watch (the camera appeared on the LAN, or answered after a failed run: "camera_appeared",
// "camera_answered").  camsync.path watches it and starts camsync.service; the run reads it to
// learn whether it answers a camera's appearance (and so lets a phone sync first), and sntpd
// reads it for GET /time, so that an open page syncs before the camera.  One small JSON object,
// replaced atomically (temporary file, fsync, rename), so that a reader never sees half of it.
// Its time is the writer's system clock, in Unix ms.
#pragma once

#include <cstdint>
#include <string>

#include "core/camera_watch.hpp"
#include "os/error.hpp"

namespace lansync::os {

// The largest camera-request file read (a record is about a hundred bytes).
inline constexpr size_t kMaxCameraRequestBytes = 4096;

struct CameraRequest {
  int64_t requested_unix_ms = 0;  // when it was asked for, by the writer's system clock
  std::string client;             // who asked: the page's client address, or the camera's address
  // Why: None for a page's request ("page" in the file), else the camera's appearance or answer.
  core::WatchReason reason = core::WatchReason::None;
};

// The JSON text written for a request, e.g. {"requested_unix_ms":1795384876579,
// "client":"192.168.4.20","reason":"camera_appeared"} and a newline.
std::string format_camera_request(const CameraRequest& request);

// Parses JSON text as a request; `name` prefixes error messages.  A file without "reason" (an
// older sntpd's) is a page's request.
OsResult<CameraRequest> parse_camera_request(const std::string& text, const std::string& name);

// Reads and validates the file (at most kMaxCameraRequestBytes).
OsResult<CameraRequest> read_camera_request(const std::string& path);

// Replaces the file atomically (mode 0644), creating its directory if needed.
Status write_camera_request(const std::string& path, const CameraRequest& request);

}  // namespace lansync::os
