// camsync --watch: stay running and ask for a camsync run when the camera appears on the LAN.
//
// It listens for SSDP (os/net_ssdp_listener.hpp), applies core::CameraWatch's rules (the camera's
// ssdp:alive after an absence, or its first word after a failed run; runs at least 30 s apart,
// 3 per 10 min) and asks for a run the way a page does: it replaces the camera-request file, which
// camsync.path watches, so that the run is camsync.service's as always (one at a time, with its
// options and the clock's rules).  It never talks HTTP, never reads the clock's state and never
// goes where a datagram points: what it hears can start a run, not steer one.
#pragma once

#include <string>

namespace lansync::camsync {

struct WatchOptions {
  std::string camera;               // --camera URL: only its host counts; "": any camera (--discover)
  std::string camera_request_path;  // written to ask for a run
  std::string camera_state_path;    // read to learn whether the last run failed ("": never)
};

// Runs until SIGTERM or SIGINT (exit 0); 1 when it cannot listen, 2 for a bad --camera.
int watch(const WatchOptions& options);

}  // namespace lansync::camsync
