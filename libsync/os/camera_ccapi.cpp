// CCAPI client; see camera_ccapi.hpp.
#include "os/camera_ccapi.hpp"

#include <nlohmann/json.hpp>

namespace lansync::os {
namespace {

using json = nlohmann::json;

Failure<Error> malformed(const std::string& message) { return fail(Error{CameraErrc::malformed, message}); }

// An entry's path: "path", or the path part of an absolute "url".
std::string entry_path(const json& e) {
  if (auto p = e.find("path"); p != e.end() && p->is_string()) return p->get<std::string>();
  if (auto u = e.find("url"); u != e.end() && u->is_string()) {
    auto url = parse_url(u->get<std::string>(), kCcapiDefaultPort);
    if (url) return url->path;
  }
  return {};
}

std::string quote_message(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    if (auto m = j.find("message"); m != j.end() && m->is_string()) return shown(m->get<std::string>());
  }
  return {};
}

}  // namespace

Status check_datetime_listed(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return malformed("the camera's API list (GET /ccapi) is not a JSON object");
  bool listed = false;
  for (auto& [version, entries] : j.items()) {
    if (!entries.is_array())
      return malformed("the camera's API list: '" + shown(version) + "' is not an array");
    for (const json& e : entries) {
      if (!e.is_object())
        return malformed("the camera's API list: an entry of '" + shown(version) + "' is not an object");
      std::string path = entry_path(e);
      while (path.size() > 1 && path.back() == '/') path.pop_back();
      if (path != kCcapiDatetimePath) continue;
      listed = true;
      auto put = e.find("put");
      if (put != e.end() && put->is_boolean() && put->get<bool>()) return ok();
    }
  }
  if (listed) return fail(Error{CameraErrc::unsupported, "the camera lists datetime as read-only (no PUT)"});
  return fail(Error{CameraErrc::unsupported, "the camera does not offer date and time setting (no " +
                                                 std::string(kCcapiDatetimePath) + ")"});
}

OsResult<CameraDateTime> parse_datetime_body(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object()) return malformed("the camera's datetime reply is not a JSON object");
  auto dt = j.find("datetime");
  if (dt == j.end() || !dt->is_string())
    return malformed("the camera's datetime reply has no 'datetime' string");
  auto dst = j.find("dst");
  if (dst == j.end() || !dst->is_boolean())
    return malformed("the camera's datetime reply has no 'dst' true or false");
  CameraDateTime out;
  out.text = dt->get<std::string>();
  out.dst = dst->get<bool>();
  auto d = codec::parse_ccapi_date(out.text.data(), out.text.size());
  if (!d)
    return malformed("the camera's date '" + shown(out.text) +
                     "' is not an RFC 1123 date with a numeric zone");
  out.date = *d;
  return out;
}

std::string format_datetime_body(const codec::CcapiDate& date, bool dst) {
  char text[codec::kCcapiDateMaxLength + 1];
  auto n = codec::format_ccapi_date(date, text, sizeof(text));
  json j;
  j["datetime"] = n ? std::string(text, *n) : std::string();
  j["dst"] = dst;
  return j.dump();
}

Error status_error(int status, const std::string& body, const std::string& what) {
  std::string m = quote_message(body);
  std::string tail = m.empty() ? "" : ": " + m;
  switch (status) {
    case 503: return Error{CameraErrc::busy, "camera busy (" + what + ", HTTP 503)" + tail};
    case 400: return Error{CameraErrc::rejected, "the camera refused " + what + " (HTTP 400)" + tail};
    case 404:
    case 405:
    case 501:
      return Error{CameraErrc::unsupported,
                   "the camera does not support " + what + " (HTTP " + std::to_string(status) + ")" + tail};
    default:
      return Error{CameraErrc::malformed,
                   "unexpected reply to " + what + " (HTTP " + std::to_string(status) + ")" + tail};
  }
}

Status CcapiCamera::check_supported() {
  auto r = http_.request("GET", kCcapiListPath);
  if (!r) return fail(r.error());
  if (r->status != 200) return fail(status_error(r->status, r->body, "GET /ccapi"));
  return check_datetime_listed(r->body);
}

OsResult<CameraDateTime> CcapiCamera::read_datetime() {
  auto r = http_.request("GET", kCcapiDatetimePath);
  if (!r) return fail(r.error());
  if (r->status != 200) return fail(status_error(r->status, r->body, "reading the date"));
  return parse_datetime_body(r->body);
}

Status CcapiCamera::write_datetime(const codec::CcapiDate& date, bool dst) {
  auto r = http_.request("PUT", kCcapiDatetimePath, format_datetime_body(date, dst));
  if (!r) return fail(r.error());
  if (r->status != 200 && r->status != 202) return fail(status_error(r->status, r->body, "setting the date"));
  return ok();
}

OsResult<Url> parse_camera_url(const std::string& text) {
  auto u = parse_url(text, kCcapiDefaultPort);
  if (!u) return u;
  if (u->path != "" && u->path != "/" && u->path != "/ccapi" && u->path != "/ccapi/") {
    return invalid("bad camera URL '" + shown(text) + "': the path must be /ccapi or nothing");
  }
  u->path.clear();
  return u;
}

}  // namespace lansync::os
