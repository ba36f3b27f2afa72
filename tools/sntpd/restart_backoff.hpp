// When sntpd starts its web process again after it exited: 1 s, doubling up to 30 s, back to 1 s
// after a run that lasted.  Pure: the caller measures the run and waits the delay.
#pragma once

#include <algorithm>
#include <cstdint>

namespace lansync::sntpd {

class RestartBackoff {
 public:
  static constexpr int64_t kFirstNs = 1'000'000'000;    // the first delay
  static constexpr int64_t kMaxNs = 30'000'000'000;     // the longest
  static constexpr int64_t kStableNs = 60'000'000'000;  // a run this long resets the delay

  // The delay before the next start, after a run that lasted ran_ns (monotonic ns, >= 0).
  int64_t next_delay_ns(int64_t ran_ns) {
    delay_ns_ = delay_ns_ == 0 || ran_ns >= kStableNs ? kFirstNs : std::min(2 * delay_ns_, kMaxNs);
    return delay_ns_;
  }

 private:
  int64_t delay_ns_ = 0;  // the last delay given; 0 before the first
};

}  // namespace lansync::sntpd
