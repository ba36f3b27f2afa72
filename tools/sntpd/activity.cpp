// sntpd's activity log writer; see activity.hpp.
#include "activity.hpp"

#include <nlohmann/json.hpp>

#include "os/activity_log.hpp"
#include "os/log.hpp"

namespace lansync::sntpd {

void append_activity(const std::string& path, const nlohmann::ordered_json& line, bool* failed) {
  if (path.empty()) return;
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (auto st = os::append_log_line(path, text); !st) {
    if (!*failed) os::log::warn("activity log: {}", st.error().message);
    *failed = true;
  } else {
    *failed = false;
  }
}

nlohmann::ordered_json location_json(const core::PhoneLocation& l) {
  nlohmann::ordered_json j;
  j["lat"] = static_cast<double>(l.lat_e7) / 1e7;
  j["lon"] = static_cast<double>(l.lon_e7) / 1e7;
  j["accuracy_m"] = static_cast<double>(l.accuracy_cm) / 100.0;
  j["unix"] = l.unix_s;
  return j;
}

}  // namespace lansync::sntpd
