// sntpd's reliability lines in the activity log: became_unreliable, no_client, client_back.
//
// The reference keeper tells it each reference it chose and each phone that
// set or verified the clock; core/reliability_watch decides which line to
// write, activity.hpp builds it.  The no_client deadline is a timer of the
// event loop at the moment it falls due, not a poll.  Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "core/reference.hpp"
#include "core/reliability_watch.hpp"
#include "event_loop.hpp"
#include "os/clock.hpp"
#include "status/activity.hpp"

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
  std::mutex mutex_;  // the members below
  ActivityLog activity_;
  int64_t span_ns_;
  core::ReliabilityWatch watch_;
};

}  // namespace lansync::sntpd
