// A camera's clock as a link to it: read and set its date and time, one request at a time.
//
// The interface camsync's procedure (flow/camera_sync.hpp) is written against:
// os/camera_ccapi.hpp speaks it to a Canon camera over HTTP, and tests give a fake.
#pragma once

#include <string>
#include <system_error>

#include "codec/ccapi_date.hpp"
#include "os/error.hpp"

namespace lansync::os {

// How a camera failed, when it answered.
enum class CameraErrc {
  busy = 1,      // 503: "Device busy", "During shooting or recording", "Mode not supported"
  rejected,      // 400 or another refusal of a well-formed request
  malformed,     // a reply that is not what the API defines
  unsupported,   // the camera does not offer date/time setting
  inconsistent,  // its clock readings contradict each other (it jumped or runs wild)
};
const std::error_category& camera_category();
std::error_code make_error_code(CameraErrc e);

// A camera's date and time as the API gives it.
struct CameraDateTime {
  codec::CcapiDate date;  // wall clock and standard zone
  bool dst = false;
  std::string text;  // the datetime string as received
};

// The camera, one request at a time.
class CameraLink {
 public:
  virtual ~CameraLink() = default;
  // Confirms that the camera offers reading and setting its clock.
  virtual Status check_supported() { return ok(); }
  virtual OsResult<CameraDateTime> read_datetime() = 0;
  virtual Status write_datetime(const codec::CcapiDate& date, bool dst) = 0;
};

}  // namespace lansync::os

template <>
struct std::is_error_code_enum<lansync::os::CameraErrc> : std::true_type {};
