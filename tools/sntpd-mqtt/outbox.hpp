// sntpd-mqtt's messages waiting for the broker: the newest payload of each topic, bounded.
//
// Every message sntpd sends is retained state, so only the newest payload of a topic matters: a
// newer one replaces an older that has not gone yet (counted as dropped).  At most kMaxTopics
// topics are kept (a message for one more is dropped and counted) and at most kMaxInFlight are
// with the broker unacknowledged, so that a broker that stops reading holds the memory to
// kMaxTopics payloads of os::mqtt::kMaxPayload bytes.  After a reconnection everything is sent
// again: a broker that restarted without persistence has lost the retained messages.  Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lansync::mqtt {

class Outbox {
 public:
  static constexpr size_t kMaxTopics = 64;
  static constexpr int kMaxInFlight = 16;

  // A message from sntpd: the topic's newest payload.
  void put(const std::string& topic, const std::string& payload);
  // The next message to hand to the broker now (none while kMaxInFlight are unacknowledged, or
  // nothing waits), counted as in flight until acknowledged().  Returns its index for sent().
  std::optional<size_t> next();
  const std::string& topic(size_t i) const { return entries_[i].topic; }
  const std::string& payload(size_t i) const { return entries_[i].payload; }
  // The broker took the message of next() (false: it could not be handed over; it waits again).
  void handed(size_t i, bool ok);
  // The broker acknowledged one message.
  void acknowledged();
  // Connected again: every topic waits to be sent, nothing is in flight.
  void resend_all();

  uint64_t dropped() const { return dropped_; }
  uint64_t published() const { return published_; }
  int in_flight() const { return in_flight_; }

 private:
  struct Entry {
    std::string topic;
    std::string payload;
    bool waiting = true;  // not handed to the broker since it last changed
  };
  std::vector<Entry> entries_;  // in the order their topics first came
  int in_flight_ = 0;
  uint64_t dropped_ = 0;
  uint64_t published_ = 0;
};

}  // namespace lansync::mqtt
