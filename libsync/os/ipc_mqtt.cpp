// The channel between sntpd and sntpd-mqtt; see ipc_mqtt.hpp.
#include "os/ipc_mqtt.hpp"

#include <charconv>

#include "os/ipc_seqpacket.hpp"

namespace lansync::os::mqtt {
namespace {

constexpr std::string_view kPublish = "publish\n";
constexpr std::string_view kPing = "ping ";
constexpr std::string_view kPong = "pong ";
constexpr std::string_view kReport = "report ";

// The decimal number at the front of text, consumed with one following separator (space or
// newline) when there is one; false when there is no number.
bool take_number(std::string_view& text, uint64_t& value) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return false;
  text.remove_prefix(static_cast<size_t>(end - text.data()));
  if (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
  return true;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

Result<Message, DecodeError> decode_report(std::string_view rest) {
  Message m;
  m.type = Type::Report;
  uint64_t connected = 0;
  Report& r = m.report;
  for (uint64_t* field : {&connected, &r.connects, &r.failures, &r.dropped, &r.published}) {
    if (!take_number(rest, *field)) return fail(DecodeError::BadNumber);
  }
  if (connected > 1 || rest.size() > kMaxError) return fail(DecodeError::BadNumber);
  r.connected = connected == 1;
  r.last_error = std::string(rest);
  return m;
}

}  // namespace

const char* code(DecodeError e) {
  switch (e) {
    case DecodeError::BadType: return "bad_type";
    case DecodeError::BadTopic: return "bad_topic";
    case DecodeError::BadPayload: return "bad_payload";
    case DecodeError::BadNumber: return "bad_number";
    default: return "unknown";
  }
}

bool valid_topic(std::string_view topic) {
  if (topic.empty() || topic.size() > kMaxTopic || topic.front() == '$' || topic.front() == '/' ||
      topic.back() == '/' || topic.find("//") != std::string_view::npos) {
    return false;
  }
  return topic.find_first_of(std::string_view("\0\n+#", 4)) == std::string_view::npos;
}

std::string encode(const Message& m) {
  switch (m.type) {
    case Type::Publish: return std::string(kPublish) + m.topic + "\n" + m.payload;
    case Type::Ping: return std::string(kPing) + std::to_string(m.sequence);
    case Type::Pong: return std::string(kPong) + std::to_string(m.sequence);
    case Type::Report: {
      const Report& r = m.report;
      std::string text = std::string(kReport) + (r.connected ? "1 " : "0 ") + std::to_string(r.connects) +
                         " " + std::to_string(r.failures) + " " + std::to_string(r.dropped) + " " +
                         std::to_string(r.published) + "\n";
      return text + r.last_error.substr(0, kMaxError);
    }
  }
  return {};
}

Result<Message, DecodeError> decode(std::string_view d) {
  Message m;
  if (starts_with(d, kPublish)) {
    d.remove_prefix(kPublish.size());
    size_t nl = d.find('\n');
    if (nl == std::string_view::npos || !valid_topic(d.substr(0, nl))) return fail(DecodeError::BadTopic);
    if (d.size() - nl - 1 > kMaxPayload) return fail(DecodeError::BadPayload);
    m.type = Type::Publish;
    m.topic = std::string(d.substr(0, nl));
    m.payload = std::string(d.substr(nl + 1));
    return m;
  }
  for (auto [prefix, type] : {std::pair{kPing, Type::Ping}, std::pair{kPong, Type::Pong}}) {
    if (!starts_with(d, prefix)) continue;
    d.remove_prefix(prefix.size());
    if (!take_number(d, m.sequence) || !d.empty()) return fail(DecodeError::BadNumber);
    m.type = type;
    return m;
  }
  if (starts_with(d, kReport)) return decode_report(d.substr(kReport.size()));
  return fail(DecodeError::BadType);
}

bool send(int fd, const Message& m) {
  std::string bytes = encode(m);
  return send_datagram(fd, bytes.data(), bytes.size());
}

ssize_t receive(int fd, std::vector<uint8_t>& buf, bool wait) {
  return receive_datagram(fd, buf, kMaxMessage, wait);
}

}  // namespace lansync::os::mqtt
