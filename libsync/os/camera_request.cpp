// The camera-request file; see camera_request.hpp.
#include "os/camera_request.hpp"

#include <nlohmann/json.hpp>

#include "os/file.hpp"

namespace lansync::os {

namespace {

constexpr const char* kPageReason = "page";
constexpr size_t kMaxClientBytes = 256;
constexpr int64_t kMaxUnixMs = 9'000'000'000'000;  // as the other state files: within 9e9 s

}  // namespace

std::string format_camera_request(const CameraRequest& r) {
  nlohmann::ordered_json j;
  j["requested_unix_ms"] = r.requested_unix_ms;
  j["client"] = r.client.substr(0, kMaxClientBytes);
  j["reason"] = r.reason == core::WatchReason::None ? kPageReason : core::code(r.reason);
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

OsResult<CameraRequest> parse_camera_request(const std::string& text, const std::string& name) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return invalid(name + ": expected a JSON object");
  CameraRequest r;
  auto t = j.find("requested_unix_ms");
  if (t == j.end() || !t->is_number_integer() || t->get<int64_t>() < 0 || t->get<int64_t>() >= kMaxUnixMs)
    return invalid(name + ": field 'requested_unix_ms' must be a whole number of ms from 0 to 9e12");
  r.requested_unix_ms = t->get<int64_t>();
  if (auto c = j.find("client"); c != j.end()) {
    if (!c->is_string() || c->get<std::string>().size() > kMaxClientBytes)
      return invalid(name + ": field 'client' must be a string of at most 256 bytes");
    r.client = c->get<std::string>();
  }
  auto reason = j.find("reason");
  if (reason == j.end() || (reason->is_string() && reason->get<std::string>() == kPageReason)) return r;
  for (core::WatchReason w : {core::WatchReason::Appeared, core::WatchReason::Answered}) {
    if (reason->is_string() && reason->get<std::string>() == core::code(w)) {
      r.reason = w;
      return r;
    }
  }
  return invalid(name + ": field 'reason' must be one of page, camera_appeared, camera_answered");
}

OsResult<CameraRequest> read_camera_request(const std::string& path) {
  auto text = read_small_file(path, kMaxCameraRequestBytes);
  if (!text) return fail(text.error());
  return parse_camera_request(*text, path);
}

Status write_camera_request(const std::string& path, const CameraRequest& request) {
  return write_file_atomic(path, format_camera_request(request), 0644);
}

}  // namespace lansync::os
