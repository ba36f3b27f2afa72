// What sntpd-web does with an HTTP request, decided without a socket: pure, unit-tested and fuzzed.
//
// judge_head() runs when the request line and headers are in, before one byte of a body is read:
// it bounds the body (only Content-Length bodies of at most kMaxBody bytes: 411 for chunked or
// length-less bodies, 413 for larger ones), refuses a Host that public DNS could point at us on
// every route but POST /set (which applies the whole same-origin rule), answers the page and
// the errors itself and says which routes need sntpd.  judge_set() reads POST /set's body and
// applies the access rules (core/phone); what it returns goes to sntpd, which redeems the token
// and judges the set.  judge_sync_camera() applies the same rules to POST /sync-camera.
// Another origin's page (sntpd --http-allow-origin: an app on another port) may use GET /time,
// GET /exchange, POST /set and POST /sync-camera through CORS: judge_head answers its preflight
// (OPTIONS) and names the origin the answer lets read it; without credentials, and with every
// other rule (Host, token, the client's address) as for the server's own page.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/phone.hpp"
#include "os/ipc_web.hpp"

namespace lansync::web {

// The largest body accepted (a set request is about 200 bytes), bytes.
inline constexpr size_t kMaxBody = 4096;

// The endpoints counted, in the order of os::web::Counters::requests.
enum class Route : size_t { Page, Time, Exchange, Set, Metrics, Other };

// The request line and the headers judge_head and judge_set read (absent: not sent).
struct RequestHead {
  std::string_view method;  // "GET", "POST", ...
  std::string_view path;    // without the query
  std::optional<std::string_view> host;
  std::optional<std::string_view> origin;
  std::optional<std::string_view> sec_fetch_site;
  std::optional<std::string_view> content_type;
  std::optional<std::string_view> content_length;
  std::optional<std::string_view> transfer_encoding;
  std::optional<std::string_view> user_agent;
};

// An answer the web process gives by itself.
struct Answer {
  int status = 200;
  std::string_view content_type;  // "text/plain; charset=utf-8", ...
  std::string body;
  bool page = false;  // GET /: the page's Cache-Control and Content-Security-Policy headers

  bool script = false;     // GET /lansync.js (the page's route): Cache-Control no-cache, no CSP
  bool preflight = false;  // a CORS preflight answered for allow_origin: the methods and headers allowed
  // The allowed origin whose page may read this answer (Access-Control-Allow-Origin, Vary: Origin);
  // empty: no CORS headers.  Set on the CORS routes' answers, whatever their kind.
  std::string allow_origin;
};

// What to do with a request once its head is in.
struct HeadVerdict {
  enum Kind { kAnswer, kAskSntpd, kReadBody } kind = kAnswer;
  Route route = Route::Other;               // what it counts as
  web::Answer answer;                       // with kAnswer
  os::web::Type ask = os::web::Type::Time;  // kAskSntpd: Time, Exchange, Metrics; kReadBody: Set, SyncCamera
  size_t body_length = 0;                   // with kReadBody (POST /set): bytes to read
  bool host_refused = false;                // 403 for the Host (DNS rebinding)
  std::optional<os::web::Limit> limited;    // 411 or 413
};

// allowed_origins: --http-allow-origin's, in core::parse_allowed_origin's form.
HeadVerdict judge_head(const RequestHead& h, std::span<const std::string> allowed_origins = {});

// Where a POST /set came from: the addresses of the connection and what may set the clock.
struct SetContext {
  core::SetAccess access;
  std::optional<core::IpAddress> remote;         // the client's address
  std::optional<core::IpAddress> local;          // the address it connected to
  std::string client;                            // the client's address as text
  bool https = false;                            // the connection is TLS: the page's Origin is https://HOST
  std::span<const std::string> allowed_origins;  // --http-allow-origin (core::trusted_origin)
};

// POST /set judged: the access rules (enabled, same origin, JSON, the client's address), then the
// body: an early refusal (NotEnabled, CrossSite, NotJson, NotAllowed, BadRequest, BadLocation,
// ManualOnly: an automatic set from a button-only network) or the token, T1/T4, time zone and
// location for sntpd, with the client's facts for its record.
os::web::SetRequest judge_set(const RequestHead& h, std::string_view body, const SetContext& c);

// POST /sync-camera judged by judge_set's access rules only: the body is none or a JSON object (its
// fields are ignored; without a body no Content-Type is needed); early is None or the refusal.
os::web::SetRequest judge_sync_camera(const RequestHead& h, std::string_view body, const SetContext& c);

// GET /time's JSON object from sntpd with how this client may set the clock added:
// "may_set": "auto", "button" or "none", and with "button" "manual_interface": the interface's name.
// A --http-fallback-interface client gets "button" while the body's held_by names a phone of a
// full network (held_by.fallback false), else "auto".
// A body that is not a JSON object is returned unchanged.
std::string with_permission(std::string body, const core::SetPermission& p);

// RFC 9110 §5.6.7 IMF-fixdate of a Unix time in ns, "Sun, 06 Nov 1994 08:49:37 GMT"; none
// outside years 1..9999 (no clock anyone trusts).
std::optional<std::string> http_date(int64_t unix_ns);

// The Content-Type of sntpd's answers on a route.
std::string_view content_type(Route r);

}  // namespace lansync::web
