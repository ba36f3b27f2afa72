// Canon Camera Control API (CCAPI): confirm date/time support, read and set the camera's clock.
//
// GET /ccapi lists the API per version; /ccapi/ver100/functions/datetime must
// be there with "put": true (entries name it by "path", or by an absolute
// "url" on older firmware).  GET on it gives {"datetime": "...", "dst": b};
// PUT takes the same shape and answers 200 ({}) or 202.  Errors come as
// {"message": "..."}: 400 "Invalid parameter", 503 "Device busy" and others.
// The request and reply bodies are parsed strictly: a reply that is not what
// the API defines is an error that says what was wrong.
#pragma once

#include <cstdint>
#include <string>

#include "codec/ccapi_date.hpp"
#include "os/camera_link.hpp"
#include "os/error.hpp"
#include "os/net_http.hpp"

namespace lansync::os {

inline constexpr const char* kCcapiListPath = "/ccapi";
inline constexpr const char* kCcapiDatetimePath = "/ccapi/ver100/functions/datetime";
inline constexpr uint16_t kCcapiDefaultPort = 8080;

// From the GET /ccapi body: ok when datetime is listed with PUT; unsupported
// when it is missing or read-only; malformed when the body is not a listing.
Status check_datetime_listed(const std::string& body);

// Parses a datetime body {"datetime": "...", "dst": true|false}.
OsResult<CameraDateTime> parse_datetime_body(const std::string& body);

// The PUT body for a date and dst flag.
std::string format_datetime_body(const codec::CcapiDate& date, bool dst);

// The error for a reply with an unexpected status, naming what was asked:
// 503 busy, 400 rejected, 404/405/501 unsupported, others malformed; the
// camera's {"message"} is quoted when there is one.
Error status_error(int status, const std::string& body, const std::string& what);

// The camera at a base URL ("http://192.168.1.2:8080" or ".../ccapi").
class CcapiCamera final : public CameraLink {
 public:
  CcapiCamera(const Url& base, const HttpOptions& options) : http_(base, options) {}

  // GET /ccapi and check_datetime_listed.
  Status check_supported() override;
  OsResult<CameraDateTime> read_datetime() override;
  Status write_datetime(const codec::CcapiDate& date, bool dst) override;

 private:
  HttpSession http_;
};

// The base URL of a camera from what the user (or SSDP) gave: the path must
// be empty, "/", "/ccapi" or "/ccapi/"; the port defaults to 8080 for http.
OsResult<Url> parse_camera_url(const std::string& text);

}  // namespace lansync::os
