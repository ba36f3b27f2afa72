// The board's events for the port's log; see event_queue.hpp.
#include "firmware/board/event_queue.hpp"

namespace lansync::fw {

const char* describe(EventKind k) {
  switch (k) {
    case EventKind::ClockSet: return "clock set";
    case EventKind::Stepped: return "clock stepped";
    case EventKind::Updated: return "clock updated";
    case EventKind::Outlier: return "sample set aside as an outlier";
    case EventKind::NoReply: return "no reply from the server";
    case EventKind::ServerUnsynchronized: return "the server is unsynchronized (LI=3)";
    case EventKind::Kiss: return "Kiss-o'-Death from the server";
    case EventKind::Offline: return "the server is silent: following the RTC";
    case EventKind::RtcUnusable: return "RTC unusable";
    case EventKind::RtcWritten: return "RTC set";
    case EventKind::RtcWriteFailed: return "RTC write failed";
    case EventKind::Unauthenticated: return "a reply not signed with our key was not used";
    case EventKind::Joined: return "joined the Wi-Fi network";
    case EventKind::JoinFailed: return "the Wi-Fi network was not joined";
    case EventKind::AccessPointStarted: return "access point started: serving SNTP and HTTP on it";
    case EventKind::AccessPointFailed: return "the access point could not be started";
  }
  return "unknown";
}

void EventQueue::push(const Event& e) {
  if (count_ == kCapacity) {
    first_ = static_cast<uint8_t>((first_ + 1) % kCapacity);
    --count_;
  }
  events_[(first_ + count_) % kCapacity] = e;
  ++count_;
}

bool EventQueue::pop(Event* out) {
  if (count_ == 0) return false;
  *out = events_[first_];
  first_ = static_cast<uint8_t>((first_ + 1) % kCapacity);
  --count_;
  return true;
}

}  // namespace lansync::fw
