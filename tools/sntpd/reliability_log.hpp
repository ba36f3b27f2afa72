// sntpd's reliability lines in the activity log: became_unreliable, no_client, client_back.
//
// The reference keeper tells it each reference it chose and each phone that
// set or verified the clock; core/reliability_watch decides which line to
// write.  The no_client deadline is a timer of the event loop at the moment
// it falls due, not a poll.  Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "core/reference.hpp"
#include "core/reliability_watch.hpp"
#include "event_loop.hpp"
#include "nlohmann/json_fwd.hpp"
#include "os/clock.hpp"

namespace lansync::sntpd {

class ReliabilityLog {
 public:
  // Lines go to path (the --activity-log) stamped with clock's time; no_client after span_ns
  // (--no-client-after).
  ReliabilityLog(os::Clock& clock, std::string path, int64_t span_ns);

  // Writes no_client when it falls due.
  void attach(EventLoop& loop);
  // The reference chosen now (core::is_reliable says whether it counts).
  void observe(const core::ReferenceChoice& choice);
  // A phone set or verified the clock now.
  void phone_synced();

 private:
  void write(const core::ReliabilityEvent& e);

  os::Clock& clock_;
  std::string path_;
  int64_t span_ns_;
  std::mutex mutex_;  // the members below
  core::ReliabilityWatch watch_;
  bool failed_ = false;  // warned once about the activity log
};

// One reliability line: {"time", "event", "detail", "without_phone_s", "message"}; span_ns for the message.
nlohmann::ordered_json reliability_event_json(const core::ReliabilityEvent& e, const std::string& time_utc,
                                              int64_t span_ns);

}  // namespace lansync::sntpd
