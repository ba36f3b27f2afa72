// The channel between sntpd and its MQTT publisher (sntpd-mqtt): short text messages, one per datagram.
//
// sntpd renders every topic and payload (sntpd/mqtt_topics.hpp); sntpd-mqtt only keeps the broker
// connection and publishes what it is given, retained.  Over a socketpair(AF_UNIX, SOCK_SEQPACKET):
//
//   sntpd → mqtt:  "publish\n" TOPIC "\n" PAYLOAD     publish PAYLOAD to TOPIC, retained
//                  "ping N"                           the heartbeat (sntpd/heartbeat.hpp)
//   mqtt → sntpd:  "pong N"                           answers the ping N
//                  "report C N F D P\n" ERROR         the publisher's state: connected (0/1), connections
//                                                     made, attempts failed, messages dropped, messages
//                                                     published; the last failure in words ("" none)
//
// decode() checks every length and field; a message that fails is dropped by the receiver and
// counted, never trusted.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "codec/result.hpp"

namespace lansync::os::mqtt {

inline constexpr size_t kMaxTopic = 256;     // bytes of a topic
inline constexpr size_t kMaxPayload = 8192;  // bytes of a payload
inline constexpr size_t kMaxError = 200;     // bytes of a report's error text (longer is cut)
inline constexpr size_t kMaxMessage = kMaxTopic + kMaxPayload + 16;

enum class Type : uint8_t { Publish, Ping, Pong, Report };

// The publisher's state, as reported to sntpd.
struct Report {
  bool connected = false;  // to the broker, its CONNACK accepted
  uint64_t connects = 0;   // connections made (the first and every reconnection)
  uint64_t failures = 0;   // attempts that failed, and connections lost
  uint64_t dropped = 0;    // messages replaced by a newer one of their topic before they could go
  uint64_t published = 0;  // messages handed to the broker's socket
  std::string last_error;  // the last failure, in words ("" none yet)
};

struct Message {
  Type type = Type::Ping;
  std::string topic;      // Publish
  std::string payload;    // Publish
  uint64_t sequence = 0;  // Ping, Pong
  Report report;          // Report
};

enum class DecodeError : uint8_t { BadType, BadTopic, BadPayload, BadNumber, kCount };
inline constexpr size_t kDecodeErrorCount = static_cast<size_t>(DecodeError::kCount);
const char* code(DecodeError e);

// Whether topic can be published to: 1 to kMaxTopic bytes; no NUL, newline, '+' or '#' (wildcards
// are for subscriptions, MQTT 3.1.1 §4.7); no empty level; not starting with '$' (the broker's).
bool valid_topic(std::string_view topic);

// The datagram for m (a Report's error is cut to kMaxError).
std::string encode(const Message& m);
// The message in one datagram, or why it must be dropped.
Result<Message, DecodeError> decode(std::string_view datagram);

// Sends m without blocking; false when it could not go.
bool send(int fd, const Message& m);
// Reads one datagram (os::receive_datagram with kMaxMessage).
ssize_t receive(int fd, std::vector<uint8_t>& buf, bool wait);

}  // namespace lansync::os::mqtt
