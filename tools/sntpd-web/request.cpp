// What sntpd-web does with an HTTP request; see request.hpp.
#include "request.hpp"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "codec/ccapi_date.hpp"
#include "codec/timestamp.hpp"
#include "page.hpp"

namespace lansync::web {
namespace {

using core::PhoneRefusal;

constexpr std::string_view kText = "text/plain; charset=utf-8";

HeadVerdict answer(Route route, int status, std::string body) {
  HeadVerdict v;
  v.kind = HeadVerdict::kAnswer;
  v.route = route;
  v.answer.status = status;
  v.answer.content_type = kText;
  v.answer.body = std::move(body);
  return v;
}

Route route_of(std::string_view method, std::string_view path) {
  bool get = method == "GET" || method == "HEAD";
  if (get && path == "/") return Route::Page;
  if (get && path == "/time") return Route::Time;
  if (get && path == "/exchange") return Route::Exchange;
  if (get && path == "/metrics") return Route::Metrics;
  if (method == "POST" && (path == "/set" || path == "/sync-camera")) return Route::Set;
  if (get && path == "/lansync.js") return Route::Page;
  return Route::Other;
}

// The body's bounds: only a Content-Length of at most kMaxBody, on every route.
std::optional<HeadVerdict> bound_body(const RequestHead& h, Route route, size_t& length) {
  length = 0;
  if (h.transfer_encoding) {
    HeadVerdict v = answer(route, 411, "411 Length Required: send the body with a Content-Length\n");
    v.limited = os::web::Limit::LengthRequired;
    return v;
  }
  if (!h.content_length) {
    if (h.method != "POST") return std::nullopt;
    HeadVerdict v = answer(route, 411, "411 Length Required: send the body with a Content-Length\n");
    v.limited = os::web::Limit::LengthRequired;
    return v;
  }
  std::string_view text = *h.content_length;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
  if (ec == std::errc::result_out_of_range ||
      (ec == std::errc() && end == text.data() + text.size() && length > kMaxBody)) {
    HeadVerdict v = answer(route, 413, "413 Payload Too Large\n");
    v.limited = os::web::Limit::TooLarge;
    return v;
  }
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return answer(route, 400, "400 Bad Request\n");
  }
  return std::nullopt;
}

// Unix ms between 2000 and 2200 as ns: anything else is not a phone's clock.
std::optional<int64_t> phone_ms(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_number()) return std::nullopt;
  double ms = it->get<double>();
  if (!std::isfinite(ms) || ms < 946'684'800'000.0 || ms > 7'258'118'400'000.0) return std::nullopt;
  return std::llround(ms * 1e6);
}

// {"lat": degrees, "lon": degrees, "accuracy_m": metres, "unix": s} in range (other fields ignored), or
// nullopt.
std::optional<core::PhoneLocation> read_location(const nlohmann::json& l) {
  if (!l.is_object()) return std::nullopt;
  double v[4];
  const char* keys[4] = {"lat", "lon", "accuracy_m", "unix"};
  for (int i = 0; i < 4; ++i) {
    auto it = l.find(keys[i]);
    if (it == l.end() || !it->is_number()) return std::nullopt;
    v[i] = it->get<double>();
  }
  return core::phone_location(v[0], v[1], v[2], v[3]);
}

// The body's token, T1 and T4, trigger, time zone and location into r, or BadRequest (BadLocation).
void read_set_body(std::string_view text, os::web::SetRequest& r) {
  nlohmann::json body = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) {
    r.early = PhoneRefusal::BadRequest;
    return;
  }
  if (auto it = body.find("trigger");
      it != body.end() && it->is_string() && (*it == "auto" || *it == "button")) {
    r.trigger = it->get<std::string>();
  }
  auto t1 = phone_ms(body, "t1_ms");
  auto t4 = phone_ms(body, "t4_ms");
  auto token = body.find("token");
  if (!t1 || !t4 || token == body.end() || !token->is_string()) {
    r.early = PhoneRefusal::BadRequest;
    return;
  }
  if (auto zone = body.find("time_zone"); zone != body.end()) {
    // A string of a name's length at most; sntpd checks that the tz database knows it.
    if (!zone->is_string() || zone->get_ref<const std::string&>().size() > os::web::kTimeZoneCapacity) {
      r.early = PhoneRefusal::BadRequest;
      return;
    }
    r.time_zone = zone->get<std::string>();
  }
  if (auto location = body.find("location"); location != body.end()) {
    r.location = read_location(*location);
    if (!r.location) {
      r.early = PhoneRefusal::BadLocation;
      return;
    }
  }
  r.t1_ns = *t1;
  r.t4_ns = *t4;
  // A longer token is not one sntpd issued: cut, it still fails (bad_token).
  r.token = token->get<std::string>().substr(0, os::web::kTokenCapacity);
}

// POST /set's and /sync-camera's access rules, in order: enabled, same origin, JSON, the client's
// address.  The client's facts filled in, early None or the refusal; p: how the client may set.
os::web::SetRequest judge_access(const RequestHead& h, const SetContext& c, core::SetPermission& p) {
  os::web::SetRequest r;
  r.client = c.client.substr(0, os::web::kClientCapacity);
  r.trigger = "other";
  r.user_agent = std::string(h.user_agent.value_or("").substr(0, os::web::kUserAgentCapacity));
  if (!c.access.enabled()) {
    r.early = PhoneRefusal::NotEnabled;
    return r;
  }
  core::OriginHeaders oh;
  oh.host = h.host.value_or("");
  oh.origin = h.origin;
  oh.sec_fetch_site = h.sec_fetch_site;
  oh.https = c.https;
  oh.allowed_origins = c.allowed_origins;
  if (!core::trusted_origin(oh)) {
    r.early = PhoneRefusal::CrossSite;
    return r;
  }
  if (!proto::json_content_type(core::text_ref(h.content_type))) {
    r.early = PhoneRefusal::NotJson;
    return r;
  }
  if (c.remote && c.local) p = core::set_permission(c.access, *c.remote, *c.local);
  if (p.kind == core::SetPermission::None) r.early = PhoneRefusal::NotAllowed;
  return r;
}

// The routes another origin's page may use: what lansync.js calls.
bool cors_route(std::string_view path) {
  return path == "/time" || path == "/exchange" || path == "/set" || path == "/sync-camera";
}

// local: the Host names this server (proto::local_host); cors: the allowed Origin the request
// sent on a CORS route; empty: none.
HeadVerdict judge_head_of(const RequestHead& h, bool local, const std::string& cors) {
  Route route = route_of(h.method, h.path);
  size_t length = 0;
  if (auto refused = bound_body(h, route, length)) return *refused;
  // Every route but POST /set: a Host that public DNS could point at us (a DNS-rebinding page
  // reading /time or /metrics, or fetching a token) is refused.  POST /set applies the whole
  // same-origin rule, in judge_set.
  if (h.method != "POST" && !local) {
    HeadVerdict v = answer(route, 403, "403 Forbidden: the Host header names no local server\n");
    v.host_refused = true;
    return v;
  }
  if (h.method == "OPTIONS") {
    // A CORS preflight: an allowed origin's page may then send the request itself, judged as any.
    if (cors.empty()) {
      return answer(
          route, 403,
          "403 Forbidden: pages of this origin may not use this server (sntpd --http-allow-origin)\n");
    }
    HeadVerdict v = answer(route, 204, "");
    v.answer.preflight = true;
    return v;
  }
  switch (route) {
    case Route::Page: {
      if (h.path == "/lansync.js") {
        HeadVerdict v = answer(route, 200, std::string(kLansyncJs));
        v.answer.content_type = "text/javascript; charset=utf-8";
        v.answer.script = true;
        return v;
      }
      HeadVerdict v = answer(route, 200, std::string(kPageHtml));
      v.answer.content_type = "text/html; charset=utf-8";
      v.answer.page = true;
      return v;
    }
    case Route::Time:
    case Route::Exchange:
    case Route::Metrics: {
      HeadVerdict v;
      v.kind = HeadVerdict::kAskSntpd;
      v.route = route;
      v.ask = route == Route::Time       ? os::web::Type::Time
              : route == Route::Exchange ? os::web::Type::Exchange
                                         : os::web::Type::Metrics;
      return v;
    }
    case Route::Set: {
      HeadVerdict v;
      v.kind = HeadVerdict::kReadBody;
      v.route = route;
      v.body_length = length;
      v.ask = h.path == "/sync-camera" ? os::web::Type::SyncCamera : os::web::Type::Set;
      return v;
    }
    default: return answer(route, 404, "404 Not Found\n");
  }
}

}  // namespace

HeadVerdict judge_head(const RequestHead& h, std::span<const std::string> allowed_origins) {
  // As core::trusted_origin: an allowed origin counts only with a Host that names this server
  // (a rebinding page's answers are not made readable, refusals included).
  bool local = proto::local_host(core::text_ref(h.host));
  std::string cors = cors_route(h.path) && local ? core::allowed_origin(h.origin, allowed_origins) : "";
  HeadVerdict v = judge_head_of(h, local, cors);
  v.answer.allow_origin = std::move(cors);
  return v;
}

os::web::SetRequest judge_set(const RequestHead& h, std::string_view body, const SetContext& c) {
  core::SetPermission p;
  os::web::SetRequest r = judge_access(h, c, p);
  if (r.early != PhoneRefusal::None) return r;
  read_set_body(body, r);
  // The trigger is the page's word: a button-only network refuses any other (an automatic set, curl's).
  if (r.early == PhoneRefusal::None && p.kind == core::SetPermission::Button && r.trigger != "button") {
    r.early = PhoneRefusal::ManualOnly;
  }
  // Whether it may set automatically depends on the holder, which sntpd knows.
  r.fallback = p.kind == core::SetPermission::Fallback;
  return r;
}

os::web::SetRequest judge_sync_camera(const RequestHead& h, std::string_view body, const SetContext& c) {
  RequestHead json = h;
  // Without a body no Content-Type is needed; the fields of a body are ignored.
  if (body.empty() && !h.content_type) json.content_type = "application/json";
  core::SetPermission p;
  os::web::SetRequest r = judge_access(json, c, p);
  if (r.early == PhoneRefusal::None && !body.empty() &&
      !nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false).is_object()) {
    r.early = PhoneRefusal::BadRequest;
  }
  return r;
}

std::string with_permission(std::string body, const core::SetPermission& p) {
  size_t end = body.find_last_not_of(" \r\n");
  if (body.empty() || body[0] != '{' || end == std::string::npos || body[end] != '}') return body;
  nlohmann::ordered_json added = nlohmann::ordered_json::object();
  core::SetPermission::Kind kind = p.kind;
  if (kind == core::SetPermission::Fallback) {
    // The button only while a phone of a full network holds the clock (held_by.fallback false).
    auto time = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    auto held = time.is_object() ? time.find("held_by") : time.end();
    bool outranked = held != time.end() && held->is_object() && held->value("fallback", true) == false;
    kind = outranked ? core::SetPermission::Button : core::SetPermission::Any;
  }
  added["may_set"] = core::code(kind);
  if (kind == core::SetPermission::Button) added["manual_interface"] = p.interface;
  // Spliced in rather than parsed and dumped again: sntpd's key order stays as it is.
  std::string text = added.dump();
  bool empty = body.find_first_not_of(" \r\n", 1) == end;
  body.replace(end, 1, (empty ? "" : ",") + text.substr(1));
  return body;
}

std::optional<std::string> http_date(int64_t unix_ns) {
  char buf[codec::kHttpDateLength + 1];
  if (auto n = codec::format_http_date(codec::floor_div(unix_ns, codec::kNsPerSecond), buf, sizeof(buf)); n)
    return std::string(buf, *n);
  return std::nullopt;
}

std::string_view content_type(Route r) {
  return r == Route::Metrics ? "text/plain; version=0.0.4; charset=utf-8" : "application/json";
}

}  // namespace lansync::web
