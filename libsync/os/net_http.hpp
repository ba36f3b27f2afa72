// A small HTTP/1.1 client for devices on the LAN: one connection, timeouts on everything, digest auth.
//
// Built on cpp-httplib (with OpenSSL for https).  One HttpSession keeps one
// connection open and sends one request at a time, as cameras want it.  Every
// connect, send and receive has the session's timeout; bodies are capped.
// When the device answers 401 with a digest challenge, the session answers it
// and keeps it for the following requests, so that later requests (a timed
// PUT) go out authenticated at once instead of costing a 401 round trip.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include "os/error.hpp"

namespace lansync::os {

// Failures above TCP that a caller may want to tell apart.
enum class HttpErrc {
  auth_required = 1,  // 401 and no credentials were given
  auth_failed,        // 401 again: the user name or password is wrong
  certificate,        // https: the server's certificate could not be verified
  too_large,          // the reply exceeded the body limit
  bad_reply,          // not HTTP, or a malformed authentication challenge
};
const std::error_category& http_category();
std::error_code make_error_code(HttpErrc e);

// An http or https URL split into its parts.
struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // name or address, IPv6 without brackets
  uint16_t port = 0;
  std::string path;  // "" or starting with '/'

  // "http://host:port" (IPv6 in brackets): the part that names a server.
  std::string origin() const;
};

// Parses "http://host[:port][/path]" or https; the port defaults to
// default_port for http and 443 for https.  No user info, query or fragment.
OsResult<Url> parse_url(const std::string& text, uint16_t default_port);

struct HttpOptions {
  int64_t timeout_ns = 5'000'000'000;  // for connecting, and for each send and receive
  std::string ca_file;                 // https: trust the certificate(s) in this PEM file
  bool insecure = false;               // https: skip certificate verification (say so loudly)
  std::string user;                    // digest credentials; empty: none
  std::string password;
  size_t max_body = 64 * 1024;  // longer replies fail with too_large
  std::string user_agent = "lansync";
};

struct HttpResponse {
  int status = 0;
  std::string body;
};

class HttpSession {
 public:
  HttpSession(const Url& server, const HttpOptions& options);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // One request; body (if any) is sent as application/json.  Any status is a
  // response; only transport failures and authentication failures are errors.
  OsResult<HttpResponse> request(const std::string& method, const std::string& path,
                                 const std::string& body = "");

  // "http://host:port" of the server, for messages.
  const std::string& origin() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lansync::os

template <>
struct std::is_error_code_enum<lansync::os::HttpErrc> : std::true_type {};
