// The board's events for the port's log: what happened (a clock set or stepped, a burst without
// reply, the RTC written, Wi-Fi joined...), kept in a small ring until the port takes them.
//
// The port takes them with Board::next_event() after each call; if it falls
// behind, the oldest are dropped to make room for the newest, never the
// other way round.  Fixed size, no heap.
#pragma once

#include <stdint.h>

#include "firmware/board/source_state.hpp"

namespace lansync::fw {

// What happened, for the port's log.
enum class EventKind : uint8_t {
  ClockSet,              // the clock had no time; value_ns: the UTC it was set to (source: from what)
  Stepped,               // value_ns: the step (the first NTP sync, a phone, a jump confirmed three times)
  Updated,               // a sample corrected the clock (status() has the details)
  Outlier,               // value_ns: how far a sample was from the prediction; not used
  NoReply,               // a burst got no reply at all (said once until a reply comes)
  ServerUnsynchronized,  // a burst's replies said LI=3 / stratum 16 (said once until it changes)
  Kiss,                  // code: the Kiss-o'-Death code (four ASCII bytes)
  Offline,               // the server has been silent for offline_after: following the RTC
  RtcUnusable,           // code: the RtcStatus
  RtcWritten,            // value_ns: the UTC second written
  RtcWriteFailed,
  Unauthenticated,     // code: proto::AuthStatus of a refused reply/broadcast (said once, till one passes)
  Joined,              // Wi-Fi: on the known network
  JoinFailed,          // Wi-Fi: not joined (timeout or the port's report); the AP follows if in fallback
  AccessPointStarted,  // Wi-Fi: the board's own access point is up: serving SNTP and HTTP there
  AccessPointFailed,   // Wi-Fi: the access point could not be started
};
const char* describe(EventKind k);

struct Event {
  EventKind kind = EventKind::Updated;  // what happened
  Source source = Source::None;         // the clock's source when it happened
  int64_t value_ns = 0;                 // ns, as the kind says (0 when it says nothing)
  uint32_t code = 0;                    // a code, as the kind says (0 when it says nothing)
};

class EventQueue {
 public:
  // Events held at most; a push beyond drops the oldest.
  static constexpr uint8_t kCapacity = 8;

  // Appends e, dropping the oldest event if the queue is full.
  void push(const Event& e);
  // The oldest event into *out, removed from the queue; false if there is none.
  bool pop(Event* out);
  // Events waiting.
  uint8_t size() const { return count_; }

 private:
  Event events_[kCapacity];
  uint8_t first_ = 0;
  uint8_t count_ = 0;
};

}  // namespace lansync::fw
