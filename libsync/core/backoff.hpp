// A delay that doubles after each failure up to a limit, and starts over after a success: when
// sntpd starts a helper process again (1 s to 30 s), when sntpd-mqtt connects to the broker again
// (1 s to 5 min).  Pure: the caller measures and waits.
#pragma once

#include <algorithm>
#include <cstdint>

namespace lansync::core {

class Backoff {
 public:
  // first_ns: the first delay; max_ns: the longest (both > 0, first_ns <= max_ns).
  constexpr Backoff(int64_t first_ns, int64_t max_ns) : first_ns_(first_ns), max_ns_(max_ns) {}

  // The delay before the next attempt, after a failure: first_ns, then doubled each time, up to max_ns.
  int64_t next_delay_ns() {
    delay_ns_ = delay_ns_ == 0 ? first_ns_ : std::min(2 * delay_ns_, max_ns_);
    return delay_ns_;
  }
  // After a success: the next delay is first_ns again.
  void reset() { delay_ns_ = 0; }

 private:
  int64_t first_ns_;
  int64_t max_ns_;
  int64_t delay_ns_ = 0;  // the last delay given; 0 before the first and after reset()
};

}  // namespace lansync::core
