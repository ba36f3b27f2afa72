// sntpd's heartbeat to its web process: which Ping to send, and when a process that is alive but
// stuck (its HTTP loop wedged, stopped, spinning) counts as hung and is killed to be started again.
// A process is hung when kMisses Pings in a row went unanswered and the first of them was sent
// kLimitNs ago: a pause of sntpd itself (one late tick) never condemns a process that answers.
// Pure: the caller passes monotonic ns, sends the Pings and does the killing.
#pragma once

#include <cstdint>

namespace lansync::sntpd {

class Heartbeat {
 public:
  static constexpr int64_t kPeriodNs = 5'000'000'000;       // a Ping this often
  static constexpr int kMisses = 3;                         // unanswered Pings in a row before hung
  static constexpr int64_t kLimitNs = kMisses * kPeriodNs;  // and this long since the first of them

  // A new process: nothing outstanding.
  void restart() { *this = Heartbeat{}; }
  // The sequence number of the Ping sent at now_mono_ns (from 1).
  uint64_t ping(int64_t now_mono_ns) {
    if (unanswered_ == 0) first_unanswered_mono_ns_ = now_mono_ns;
    ++unanswered_;
    return ++sent_;
  }
  // A Pong with this sequence arrived; one that answers no Ping sent is ignored.
  void pong(uint64_t sequence) {
    if (sequence != 0 && sequence <= sent_) unanswered_ = 0;
  }
  // Whether the process is to be killed at now_mono_ns.
  bool hung(int64_t now_mono_ns) const {
    return unanswered_ >= kMisses && now_mono_ns - first_unanswered_mono_ns_ >= kLimitNs;
  }
  // How long the Pings have gone unanswered at now_mono_ns, ns (0: none outstanding).
  int64_t silent_ns(int64_t now_mono_ns) const {
    return unanswered_ == 0 ? 0 : now_mono_ns - first_unanswered_mono_ns_;
  }

 private:
  uint64_t sent_ = 0;
  int unanswered_ = 0;                    // Pings sent since the last Pong
  int64_t first_unanswered_mono_ns_ = 0;  // when the first of them was sent
};

}  // namespace lansync::sntpd
