// The channel between sntpd and sntpd-web; see ipc_web.hpp.
#include "os/ipc_web.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace lansync::os::web {
namespace {

// Payload sizes of the fixed-size types, bytes.
constexpr size_t kLocationSize = 1 + 4 + 4 + 4 + 8;  // present, lat_e7, lon_e7, accuracy_cm, unix_s
constexpr size_t kSetSize = 1 + 8 + 8 + (2 + kTokenCapacity) + (2 + kClientCapacity) +
                            (2 + kTriggerCapacity) + (2 + kUserAgentCapacity) + 1 + (2 + kTimeZoneCapacity) +
                            kLocationSize + 1;  // + fallback
constexpr size_t kCountersSize = 8 * (6 + 1 + kLimitCount);
constexpr size_t kClockSize = 8 + 8;
constexpr size_t kHeartbeatSize = 8;

class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) { put(v, 2); }
  void u32(uint32_t v) { put(v, 4); }
  void u64(uint64_t v) { put(v, 8); }
  // A length and capacity bytes, zero-padded.
  void text(const std::string& s, size_t capacity) {
    size_t n = std::min(s.size(), capacity);
    u16(static_cast<uint16_t>(n));
    out_.insert(out_.end(), s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n));
    out_.insert(out_.end(), capacity - n, 0);
  }

 private:
  void put(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t>& out_;
};

// Reads from a payload whose size was checked against the type beforehand.
class Reader {
 public:
  Reader(const uint8_t* p, size_t size) : p_(p), end_(p + size) {}
  uint8_t u8() { return static_cast<uint8_t>(get(1)); }
  uint16_t u16() { return static_cast<uint16_t>(get(2)); }
  uint32_t u32() { return static_cast<uint32_t>(get(4)); }
  uint64_t u64() { return get(8); }
  // False when the length exceeds the capacity.
  bool text(std::string& s, size_t capacity) {
    size_t n = u16();
    if (n > capacity || static_cast<size_t>(end_ - p_) < capacity) return false;
    s.assign(reinterpret_cast<const char*>(p_), n);
    p_ += capacity;
    return true;
  }
  size_t left() const { return static_cast<size_t>(end_ - p_); }
  const uint8_t* here() const { return p_; }

 private:
  uint64_t get(int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes && p_ < end_; ++i) v |= uint64_t{*p_++} << (8 * i);
    return v;
  }
  const uint8_t* p_;
  const uint8_t* end_;
};

// Absent: the presence byte 0 and zeros.
void encode_location(const std::optional<core::PhoneLocation>& l, Writer& w) {
  core::PhoneLocation v = l.value_or(core::PhoneLocation{});
  w.u8(l ? 1 : 0);
  w.u32(static_cast<uint32_t>(v.lat_e7));
  w.u32(static_cast<uint32_t>(v.lon_e7));
  w.u32(v.accuracy_cm);
  w.u64(static_cast<uint64_t>(v.unix_s));
}

// False when the presence byte is neither 0 nor 1, or a present location is out of range.
bool decode_location(Reader& r, std::optional<core::PhoneLocation>& out) {
  uint8_t present = r.u8();
  core::PhoneLocation l;
  l.lat_e7 = static_cast<int32_t>(r.u32());
  l.lon_e7 = static_cast<int32_t>(r.u32());
  l.accuracy_cm = r.u32();
  l.unix_s = static_cast<int64_t>(r.u64());
  if (present > 1 || (present == 1 && !core::valid(l))) return false;
  if (present == 1) out = l;
  return true;
}

void encode_payload(const Message& m, Writer& w) {
  switch (m.type) {
    case Type::Set:
    case Type::SyncCamera:
      w.u8(static_cast<uint8_t>(m.set.early));
      w.u64(static_cast<uint64_t>(m.set.t1_ns));
      w.u64(static_cast<uint64_t>(m.set.t4_ns));
      w.text(m.set.token, kTokenCapacity);
      w.text(m.set.client, kClientCapacity);
      w.text(m.set.trigger, kTriggerCapacity);
      w.text(m.set.user_agent, kUserAgentCapacity);
      w.u8(m.set.time_zone ? 1 : 0);
      w.text(m.set.time_zone.value_or(""), kTimeZoneCapacity);
      encode_location(m.set.location, w);
      w.u8(m.set.fallback ? 1 : 0);
      break;
    case Type::Counters:
      for (uint64_t v : m.counters.requests) w.u64(v);
      w.u64(m.counters.host_refused);
      for (uint64_t v : m.counters.limited) w.u64(v);
      break;
    case Type::Reply: w.u16(m.reply.status); break;  // the text follows, unpadded
    case Type::Clock:
      w.u64(static_cast<uint64_t>(m.clock.served_minus_real_ns));
      w.u64(static_cast<uint64_t>(m.clock.trusted_for_ns));
      break;
    case Type::Ping:
    case Type::Pong: w.u64(m.beat.sequence); break;
    default: break;
  }
}

// The payload size a type must have; Reply: its minimum.
size_t payload_size(Type t) {
  switch (t) {
    case Type::Set:
    case Type::SyncCamera: return kSetSize;
    case Type::Counters: return kCountersSize;
    case Type::Reply: return 2;
    case Type::Clock: return kClockSize;
    case Type::Ping:
    case Type::Pong: return kHeartbeatSize;
    default: return 0;
  }
}

Result<Message, DecodeError> decode_set(Message m, Reader& r) {
  uint8_t early = r.u8();
  if (early >= static_cast<uint8_t>(core::PhoneRefusal::kCount)) return fail(DecodeError::BadField);
  m.set.early = static_cast<core::PhoneRefusal>(early);
  m.set.t1_ns = static_cast<int64_t>(r.u64());
  m.set.t4_ns = static_cast<int64_t>(r.u64());
  if (!r.text(m.set.token, kTokenCapacity) || !r.text(m.set.client, kClientCapacity) ||
      !r.text(m.set.trigger, kTriggerCapacity) || !r.text(m.set.user_agent, kUserAgentCapacity)) {
    return fail(DecodeError::BadField);
  }
  uint8_t has_zone = r.u8();
  std::string zone;
  if (has_zone > 1 || !r.text(zone, kTimeZoneCapacity)) return fail(DecodeError::BadField);
  if (has_zone == 1) m.set.time_zone = std::move(zone);
  if (!decode_location(r, m.set.location)) return fail(DecodeError::BadField);
  uint8_t fallback = r.u8();
  if (fallback > 1) return fail(DecodeError::BadField);
  m.set.fallback = fallback == 1;
  return m;
}

Result<Message, DecodeError> decode_payload(Message m, Reader& r) {
  switch (m.type) {
    case Type::Set:
    case Type::SyncCamera: return decode_set(std::move(m), r);
    case Type::Counters:
      for (uint64_t& v : m.counters.requests) v = r.u64();
      m.counters.host_refused = r.u64();
      for (uint64_t& v : m.counters.limited) v = r.u64();
      return m;
    case Type::Reply:
      m.reply.status = r.u16();
      if (m.reply.status < 100 || m.reply.status > 599) return fail(DecodeError::BadField);
      m.reply.body.assign(reinterpret_cast<const char*>(r.here()), r.left());
      return m;
    case Type::Clock:
      m.clock.served_minus_real_ns = static_cast<int64_t>(r.u64());
      m.clock.trusted_for_ns = static_cast<int64_t>(r.u64());
      if (m.clock.trusted_for_ns < 0) return fail(DecodeError::BadField);
      return m;
    case Type::Ping:
    case Type::Pong: m.beat.sequence = r.u64(); return m;
    default: return m;
  }
}

}  // namespace

const char* code(Limit l) {
  switch (l) {
    case Limit::LengthRequired: return "length_required";
    case Limit::TooLarge: return "too_large";
    case Limit::Deadline: return "deadline";
    case Limit::NoAnswer: return "no_answer";
    default: return "unknown";
  }
}

const char* code(DecodeError e) {
  switch (e) {
    case DecodeError::TooShort: return "too_short";
    case DecodeError::BadVersion: return "bad_version";
    case DecodeError::BadType: return "bad_type";
    case DecodeError::BadLength: return "bad_length";
    case DecodeError::BadField: return "bad_field";
    default: return "unknown";
  }
}

std::vector<uint8_t> encode(const Message& m) {
  std::vector<uint8_t> out;
  Writer w(out);
  w.u16(kVersion);
  w.u16(static_cast<uint16_t>(m.type));
  w.u32(m.id);
  w.u32(0);  // the payload length, filled in below
  encode_payload(m, w);
  if (m.type == Type::Reply) {
    size_t n = std::min(m.reply.body.size(), kMaxText);
    out.insert(out.end(), m.reply.body.begin(), m.reply.body.begin() + static_cast<std::ptrdiff_t>(n));
  }
  uint32_t length = static_cast<uint32_t>(out.size() - kHeaderSize);
  for (size_t i = 0; i < 4; ++i) out[8 + i] = static_cast<uint8_t>(length >> (8 * i));
  return out;
}

Result<Message, DecodeError> decode(const uint8_t* data, size_t size) {
  if (data == nullptr || size < kHeaderSize) return fail(DecodeError::TooShort);
  Reader h(data, kHeaderSize);
  if (h.u16() != kVersion) return fail(DecodeError::BadVersion);
  uint16_t type = h.u16();
  if (type < static_cast<uint16_t>(Type::Time) || type > static_cast<uint16_t>(Type::Pong)) {
    return fail(DecodeError::BadType);
  }
  Message m;
  m.type = static_cast<Type>(type);
  m.id = h.u32();
  uint32_t length = h.u32();
  size_t want = payload_size(m.type);
  bool variable = m.type == Type::Reply;
  if (length != size - kHeaderSize || length < want || (!variable && length != want) ||
      length > want + kMaxText) {
    return fail(DecodeError::BadLength);
  }
  Reader r(data + kHeaderSize, length);
  return decode_payload(std::move(m), r);
}

Message request(Type type, uint32_t id) {
  Message m;
  m.type = type;
  m.id = id;
  return m;
}

bool send(int fd, const Message& m) {
  std::vector<uint8_t> bytes = encode(m);
  return send_datagram(fd, bytes.data(), bytes.size());
}

ssize_t receive(int fd, std::vector<uint8_t>& buf, bool wait) {
  return receive_datagram(fd, buf, kMaxMessage, wait);
}

}  // namespace lansync::os::web
