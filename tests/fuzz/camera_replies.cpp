// Fuzz target for what camsync takes from a camera over HTTP; see targets.hpp.
//
// The first byte picks the reader, the rest is the camera's text:
//   0  the API list (GET /ccapi): os::check_datetime_listed
//   1  the clock (GET datetime): os::parse_datetime_body; a date it takes is written back
//      (format_datetime_body) and read again to the same date and dst flag
//   2  an error reply: os::status_error with the status the next two bytes give
//   3  a WWW-Authenticate challenge: digest::parse_challenge; the Authorization header that
//      answers one it takes is one line (no CR or LF to split the request with)
//   4  a camera's URL (the user's, or SSDP's LOCATION): os::parse_camera_url
// For every reader and input: an error is one line of printable text, whatever the camera sent.
#include <string>
#include <string_view>

#include "os/camera_ccapi.hpp"
#include "os/net_http_digest.hpp"
#include "targets.hpp"

namespace lansync::fuzz {
namespace {

constexpr Require require{"ccapi_reply"};

void require_error_line(const os::Error& e) {
  require(one_printable_line(e.message), "an error is one line of printable text");
}

void datetime_body(const std::string& body) {
  auto t = os::parse_datetime_body(body);
  if (!t) return require_error_line(t.error());
  auto again = os::parse_datetime_body(os::format_datetime_body(t->date, t->dst));
  require(again.ok(), "what it writes to a camera, it reads");
  require(again->dst == t->dst, "the same dst flag");
  require(same_date(t->date, again->date), "the same date");
}

void challenge(std::string_view header) {
  auto c = os::digest::parse_challenge(header);
  if (!c) return require_error_line(c.error());
  std::string answer = os::digest::authorization(*c, "user", "password", "GET", "/ccapi", 1, "0a1b2c3d");
  require(answer.find_first_of("\r\n") == std::string::npos, "the Authorization header is one line");
}

}  // namespace

int ccapi_reply(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      if (auto s = os::check_datetime_listed(text); !s) require_error_line(s.error());
      break;
    case 1: datetime_body(text); break;
    case 2: {
      int status = size >= 3 ? data[1] * 256 + data[2] : 0;
      require_error_line(os::status_error(status, size >= 3 ? text.substr(2) : text, "GET /ccapi"));
      break;
    }
    case 3: challenge(text); break;
    case 4:
      if (auto u = os::parse_camera_url(text); !u) require_error_line(u.error());
      break;
  }
  return 0;
}

}  // namespace lansync::fuzz
