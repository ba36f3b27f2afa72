// The replay guard of listen-only mode with a key; see broadcast_guard.hpp.
#include "firmware/board/broadcast_guard.hpp"

#include "firmware/board/wide.hpp"

namespace lansync::fw {
namespace {

// A sender's time may run ahead of the local counter by this much between
// two broadcasts (crystal and sender's slew, 2000 ppm), plus a slack for the
// path delay's variation.
constexpr int64_t kBroadcastWanderPpb = 2'000'000;
constexpr int64_t kBroadcastSlackNs = 100'000'000;

}  // namespace

bool BroadcastGuard::admit(uint32_t refid, int64_t utc_ns, int64_t local_ns) {
  if (judge(refid, utc_ns, local_ns)) return true;
  ++replayed_;
  return false;
}

bool BroadcastGuard::judge(uint32_t refid, int64_t utc_ns, int64_t local_ns) {
  Sender* slot = nullptr;
  for (Sender& e : senders_) {
    if (e.used && e.refid == refid) slot = &e;
  }
  if (slot == nullptr) {
    // A free entry, else the one heard from longest ago.
    slot = &senders_[0];
    for (Sender& e : senders_) {
      if (!e.used || (slot->used && e.local_ns < slot->local_ns)) slot = &e;
    }
    *slot = Sender{refid, utc_ns, local_ns, true};
    return false;  // a sender's first broadcast only anchors: it may be a recording
  }
  int64_t advance = utc_ns - slot->utc_ns;
  int64_t elapsed_ns = local_ns > slot->local_ns ? local_ns - slot->local_ns : 0;
  if (advance <= 0) return false;  // not newer than the last: a replay
  slot->utc_ns = utc_ns;
  slot->local_ns = local_ns;
  // Further ahead than the time since allows: the sender stepped, or the
  // last one was a replay; the next one is judged from this one.
  return advance <= elapsed_ns + scale_ppb(elapsed_ns, kBroadcastWanderPpb) + kBroadcastSlackNs;
}

}  // namespace lansync::fw
