// sntpd's reliability lines in the activity log; see reliability_log.hpp.
#include "reference/reliability_log.hpp"

#include <nlohmann/json.hpp>

#include "core/drift_log.hpp"
#include "os/log.hpp"
#include "status/activity.hpp"

namespace lansync::sntpd {

using nlohmann::ordered_json;

ReliabilityLog::ReliabilityLog(os::Clock& clock, std::string path, int64_t span_ns)
    : clock_(clock), activity_(std::move(path)), span_ns_(span_ns), watch_(span_ns) {}

void ReliabilityLog::attach(EventLoop& loop) {
  loop.when(
      [this] {
        std::lock_guard<std::mutex> lock(mutex_);
        return watch_.next_due_ns();
      },
      [this] {
        std::lock_guard<std::mutex> lock(mutex_);
        if (auto e = watch_.due(os::monotonic_ns())) write(*e);
      });
}

void ReliabilityLog::observe(const core::ReferenceChoice& choice) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto e = watch_.observe(core::is_reliable(choice), choice.detail, os::monotonic_ns())) write(*e);
}

void ReliabilityLog::phone_synced() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto e = watch_.phone_synced(os::monotonic_ns())) write(*e);
}

void ReliabilityLog::write(const core::ReliabilityEvent& e) {
  ordered_json j = reliability_line(e, core::format_utc(clock_.now_ns()), span_ns_);
  os::log::info("activity: {}", j["message"].get<std::string>());
  activity_.append(j);
}

}  // namespace lansync::sntpd
