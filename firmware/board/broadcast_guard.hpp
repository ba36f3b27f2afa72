// The replay guard of listen-only mode with a key: a signed broadcast moves the clock only when its
// sender's time advanced since its last one by no more than the local counter did.
//
// A MAC proves who sent a broadcast, not when: anyone on the LAN can record
// one and send it again later.  The guard remembers, for a few senders, the
// transmit time (UTC ns) of the last broadcast used and when it came (local
// ns).  A sender's first broadcast only anchors (it may be a recording); a
// later one is used if it is newer and not further ahead than the time since
// allows (the crystals' wander and a slack for the path); the oldest sender
// gives way when the table is full.  Fixed size, no heap.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace lansync::fw {

// Broadcast senders whose last signed transmit time is remembered (replay check).
inline constexpr size_t kMaxBroadcastSenders = 4;

class BroadcastGuard {
 public:
  // Whether the broadcast of sender refid (its IPv4 address), sent at utc_ns
  // (Unix ns) and received at local_ns, is fresh and may be used; it becomes
  // the sender's last one unless it is not newer.  Refusals are counted.
  bool admit(uint32_t refid, int64_t utc_ns, int64_t local_ns);
  // Broadcasts refused: a sender's first, not newer than its last, or too far ahead.
  uint32_t replayed() const { return replayed_; }

 private:
  bool judge(uint32_t refid, int64_t utc_ns, int64_t local_ns);

  struct Sender {
    uint32_t refid = 0;
    int64_t utc_ns = 0;    // its last used transmit time
    int64_t local_ns = 0;  // when that one came
    bool used = false;
  };
  Sender senders_[kMaxBroadcastSenders];
  uint32_t replayed_ = 0;
};

}  // namespace lansync::fw
