// sntpd-mqtt's messages waiting for the broker; see outbox.hpp.
#include "outbox.hpp"

namespace lansync::mqtt {

void Outbox::put(const std::string& topic, const std::string& payload) {
  for (Entry& e : entries_) {
    if (e.topic != topic) continue;
    if (e.waiting) ++dropped_;  // replaced before it could go
    e.payload = payload;
    e.waiting = true;
    return;
  }
  if (entries_.size() >= kMaxTopics) {
    ++dropped_;
    return;
  }
  entries_.push_back({topic, payload, true});
}

std::optional<size_t> Outbox::next() {
  if (in_flight_ >= kMaxInFlight) return std::nullopt;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].waiting) return i;
  }
  return std::nullopt;
}

void Outbox::handed(size_t i, bool ok) {
  if (!ok) return;
  entries_[i].waiting = false;
  ++in_flight_;
}

void Outbox::acknowledged() {
  if (in_flight_ > 0) --in_flight_;
  ++published_;
}

void Outbox::resend_all() {
  for (Entry& e : entries_) e.waiting = true;
  in_flight_ = 0;
}

}  // namespace lansync::mqtt
