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

}  // namespace lansync::sntpd
