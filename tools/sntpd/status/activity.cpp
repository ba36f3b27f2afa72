// sntpd's activity log; see activity.hpp.
#include "status/activity.hpp"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "core/trust.hpp"
#include "os/file_activity_log.hpp"
#include "os/log.hpp"
#include "status/status_json.hpp"

namespace lansync::sntpd {
namespace {

using nlohmann::ordered_json;

// A location as its line carries it: {"lat", "lon"} in degrees, "accuracy_m", "unix" (the fix's time, s).
ordered_json location_json(const core::PhoneLocation& l) {
  ordered_json j;
  j["lat"] = static_cast<double>(l.lat_e7) / 1e7;
  j["lon"] = static_cast<double>(l.lon_e7) / 1e7;
  j["accuracy_m"] = static_cast<double>(l.accuracy_cm) / 100.0;
  j["unix"] = l.unix_s;
  return j;
}

}  // namespace

void ActivityLog::append(const ordered_json& line) {
  if (path_.empty()) return;
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (auto st = os::append_log_line(path_, text); !st) {
    if (!failed_) os::log::warn("activity log: {}", st.error().message);
    failed_ = true;
  } else {
    failed_ = false;
  }
}

std::string valid_utf8(const std::string& s) {
  std::string quoted = nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return nlohmann::json::parse(quoted).get<std::string>();
}

ordered_json phone_line(const PhoneAttempt& a, const std::optional<core::PhoneLocation>& location) {
  ordered_json line = phone_attempt_json(a);
  if (location && a.result != "refused") line["location"] = location_json(*location);
  return line;
}

ordered_json camera_request_line(const std::string& time_utc, core::PhoneRefusal refusal,
                                 const std::string& client, const std::string& message,
                                 const std::string& user_agent) {
  ordered_json line;
  line["time"] = time_utc;
  line["event"] = "camera_request";
  line["result"] = refusal == core::PhoneRefusal::None ? "requested" : "refused";
  line["reason"] = core::code(refusal);
  line["client"] = client;
  line["message"] = message;
  line["user_agent"] = user_agent;
  return line;
}

ordered_json reliability_line(const core::ReliabilityEvent& e, const std::string& time_utc, int64_t span_ns) {
  ordered_json j;
  j["time"] = time_utc;
  j["event"] = core::code(e.kind);
  bool became = e.kind == core::ReliabilityEventKind::BecameUnreliable;
  j["detail"] = became ? ordered_json(e.why) : ordered_json(nullptr);
  j["without_phone_s"] =
      became ? ordered_json(nullptr) : ordered_json(static_cast<double>(e.without_phone_ns) / 1e9);
  std::string since = e.since_start ? " (since sntpd started)" : "";
  switch (e.kind) {
    case core::ReliabilityEventKind::BecameUnreliable:
      j["message"] = "The Pi's time is no longer reliable: " + e.why +
                     ". NTP clients get it as unsynchronized (LI=3) until a phone or a server sets it.";
      break;
    case core::ReliabilityEventKind::NoClient:
      j["message"] =
          fmt::format("No phone has set or verified the clock for {} while the Pi's time is unreliable{}.",
                      core::human_duration(span_ns), since);
      break;
    case core::ReliabilityEventKind::ClientBack:
      j["message"] = fmt::format("A phone set or verified the clock again, after {} without one{}.",
                                 core::human_duration(e.without_phone_ns), since);
      break;
  }
  return j;
}

}  // namespace lansync::sntpd
