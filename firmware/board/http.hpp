// The board's small HTTP/1.0 server side: parsing one request, writing one response.
//
// Two things speak HTTP to a board: a phone setting its clock for the first
// time (GET /exchange, then PUT /time with JSON) and, in server mode, clients
// asking the time (GET /time).  The parser takes the bytes received so far and
// says whether the request is complete, needs more bytes, or is refused with a
// status code.  It accepts only what those clients send: a request line
// `METHOD /target HTTP/1.x`, header lines (Content-Length, Content-Type, Host,
// Origin and Sec-Fetch-Site are read; Transfer-Encoding is refused),
// a blank line and a body of Content-Length bytes, everything within
// kMaxRequestSize.  Lines end in CRLF or a bare LF (RFC 9112 §2.2).  Every
// response closes the connection.  No heap: the request points into the
// caller's buffer.  The same-origin rule and a flat JSON reader serve the
// clock-setting request: a browser's cross-site "simple" request can carry
// neither a JSON Content-Type nor a matching Origin.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "proto/phone.hpp"

namespace lansync::fw {

inline constexpr size_t kMaxRequestSize = 1024;
inline constexpr size_t kMaxTargetSize = 128;

enum class HttpMethod : uint8_t { Get, Head, Put, Post, Other };

struct HttpRequest {
  HttpMethod method = HttpMethod::Other;
  const char* path = nullptr;  // the target up to '?', starting with '/'
  size_t path_size = 0;
  const char* query = nullptr;  // after '?', without it (empty if none)
  size_t query_size = 0;
  const char* body = nullptr;
  size_t body_size = 0;
  proto::TextRef content_type;    // Content-Type
  proto::TextRef host;            // Host
  proto::TextRef origin;          // Origin (browsers send it on every POST/PUT)
  proto::TextRef sec_fetch_site;  // Sec-Fetch-Site (browsers: same-origin, same-site, cross-site, none)
};

enum class HttpParse : uint8_t { Complete, Incomplete, Refused };

struct HttpParseResult {
  HttpParse state = HttpParse::Incomplete;
  uint16_t status = 0;  // when Refused: 400, 413, 414, 501 or 505
};

// Parses the size bytes received so far.  A request longer than
// kMaxRequestSize, or any bytes not forming one, is Refused.
HttpParseResult parse_http_request(const char* data, size_t size, HttpRequest* out);

// Whether the Content-Type is application/json (proto::json_content_type).
bool is_json_request(const HttpRequest& q);

// The phone protocol's same-origin rule (proto::same_origin, as sntpd's page) for a
// request to the board (plain HTTP: its page's origin is "http://" + Host).
bool same_origin(const HttpRequest& q);

// The value of key in a flat JSON object ({"a":1,"b":"x"}: string keys
// without escapes, values that are strings without escapes, integers, true,
// false or null): a pointer and length into json (a string without its
// quotes), and whether it was a string.  False if absent or not such an object.
bool json_value(const char* json, size_t size, const char* key, const char** value, size_t* value_size,
                bool* is_string);

// The reason phrase of a status code ("OK", "Not Found", ...).
const char* http_reason(uint16_t status);

// No Date header: the board's clock is not trusted (RFC 9110 §6.6.1: a server
// without a clock it can trust sends none).
inline constexpr int64_t kNoHttpDate = INT64_MIN;

// Writes a complete response: status line, Date (unless date_unix_s is
// kNoHttpDate), Content-Type, Content-Length, Connection: close,
// Cache-Control: no-store, a blank line and the body (omitted for HEAD).
// Returns the bytes written, 0 if cap is too small.
size_t write_http_response(uint16_t status, const char* content_type, const char* body, size_t body_size,
                           bool head, int64_t date_unix_s, char* out, size_t cap);

// The value of key in an application/x-www-form-urlencoded text
// ("a=1&b=2"), as a pointer and length into it; false if absent.  Values
// are returned as sent (not percent-decoded: the board only reads numbers).
bool form_value(const char* form, size_t size, const char* key, const char** value, size_t* value_size);

}  // namespace lansync::fw
