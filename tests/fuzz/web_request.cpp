// Fuzz target for sntpd-web's request handling; see targets.hpp.
#include <string>
#include <string_view>
#include <vector>

#include "os/net_address.hpp"
#include "request.hpp"
#include "targets.hpp"

namespace lansync::fuzz {
namespace {

constexpr Require require{"web_request"};

// The input as NUL-separated fields: method, path, then header values in RequestHead's order
// (an empty field is a header not sent), and the rest as the body.
std::vector<std::string_view> fields(const uint8_t* data, size_t size, size_t count, std::string_view& rest) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> out;
  while (out.size() < count) {
    size_t nul = all.find('\0');
    out.push_back(all.substr(0, nul));
    all = nul == std::string_view::npos ? std::string_view() : all.substr(nul + 1);
  }
  rest = all;
  return out;
}

std::optional<std::string_view> optional(std::string_view v) {
  if (v.empty()) return std::nullopt;
  return v;
}

}  // namespace

int web_request(const uint8_t* data, size_t size) {
  std::string_view body;
  auto f = fields(data, size, 9, body);
  web::RequestHead h;
  h.method = f[0];
  h.path = f[1];
  h.host = optional(f[2]);
  h.origin = optional(f[3]);
  h.sec_fetch_site = optional(f[4]);
  h.content_type = optional(f[5]);
  h.content_length = optional(f[6]);
  h.transfer_encoding = optional(f[7]);
  h.user_agent = optional(f[8]);

  static const std::vector<std::string> origins = {"http://127.0.0.1:3000", "http://pi.local:3000"};
  web::HeadVerdict v = web::judge_head(h, origins);
  // CORS only for a named origin, and only as the request sent it.
  require(v.answer.allow_origin.empty() || (h.origin && v.answer.allow_origin == *h.origin),
          "CORS for an origin the request did not send");
  require(v.answer.allow_origin.empty() || !core::allowed_origin(h.origin, origins).empty(),
          "CORS for an origin not allowed");
  require(!v.answer.preflight || (h.method == "OPTIONS" && !v.answer.allow_origin.empty()),
          "a preflight answered for no allowed origin");
  require(v.kind != web::HeadVerdict::kReadBody || v.body_length <= web::kMaxBody,
          "a body over the limit is read");
  require(v.kind != web::HeadVerdict::kReadBody || (h.content_length && !h.transfer_encoding),
          "a body without Content-Length is read");
  require(!v.host_refused || v.answer.status == 403, "a refused Host without 403");
  if (v.kind == web::HeadVerdict::kAnswer)
    require(v.answer.status >= 200 && v.answer.status < 600, "a bad status");

  static const web::SetContext context = [] {
    web::SetContext c;
    c.access.allow.push_back(*os::parse_cidr("127.0.0.0/8"));
    c.remote = os::parse_cidr("127.0.0.2")->base;
    c.local = os::parse_cidr("127.0.0.1")->base;
    c.client = "127.0.0.2";
    c.allowed_origins = origins;
    return c;
  }();
  os::web::SetRequest r = web::judge_set(h, body.substr(0, web::kMaxBody), context);
  require(r.token.size() <= os::web::kTokenCapacity, "a token over its capacity");
  require(r.user_agent.size() <= os::web::kUserAgentCapacity, "a user agent over its capacity");
  require(r.trigger == "auto" || r.trigger == "button" || r.trigger == "other", "an unknown trigger");
  require(r.early != core::PhoneRefusal::None || (r.t1_ns > 0 && r.t4_ns > 0), "a set without T1/T4");
  require(!r.location || core::valid(*r.location), "a location out of range passed on");
  os::web::SetRequest camera = web::judge_sync_camera(h, body.substr(0, web::kMaxBody), context);
  require(camera.user_agent.size() <= os::web::kUserAgentCapacity, "a user agent over its capacity");
  require(camera.early <= core::PhoneRefusal::BadRequest,
          "/sync-camera refused for more than access or body");
  return 0;
}

}  // namespace lansync::fuzz
