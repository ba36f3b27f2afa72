// sntpd's reliability lines in the activity log; see reliability_log.hpp.
#include "reliability_log.hpp"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "activity.hpp"
#include "core/drift_log.hpp"
#include "core/trust.hpp"
#include "os/log.hpp"

namespace lansync::sntpd {

using nlohmann::ordered_json;

ReliabilityLog::ReliabilityLog(os::Clock& clock, std::string path, int64_t span_ns)
    : clock_(clock), path_(std::move(path)), span_ns_(span_ns), watch_(span_ns) {}

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
  ordered_json j = reliability_event_json(e, core::format_utc(clock_.now_ns()), span_ns_);
  os::log::info("activity: {}", j["message"].get<std::string>());
  append_activity(path_, j, &failed_);
}

ordered_json reliability_event_json(const core::ReliabilityEvent& e, const std::string& time_utc,
                                    int64_t span_ns) {
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
