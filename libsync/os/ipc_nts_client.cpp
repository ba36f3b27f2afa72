// The channel to sntpd-nts's client role; see ipc_nts_client.hpp.
#include "os/ipc_nts_client.hpp"

#include <cstring>

#include "os/ipc_seqpacket.hpp"

namespace lansync::os::nts {
namespace {

// Appends little-endian integers and fixed-capacity fields to a datagram.
struct Writer {
  std::vector<uint8_t>& out;
  bool ok = true;
  void u(uint64_t v, size_t bytes) {
    for (size_t i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  // A length (2 bytes), then data padded with zeros to cap.
  void field(const uint8_t* data, size_t size, size_t cap) {
    if (size > cap) ok = false;
    size = size > cap ? 0 : size;
    u(size, 2);
    out.insert(out.end(), data, data + size);
    out.insert(out.end(), cap - size, 0);
  }
  void text(const std::string& s, size_t cap) {
    field(reinterpret_cast<const uint8_t*>(s.data()), s.size(), cap);
  }
};

// Reads what Writer wrote, refusing a field whose length passes its capacity.
struct Reader {
  const uint8_t* p;
  bool ok = true;
  uint64_t u(size_t bytes) {
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; ++i) v |= uint64_t{p[i]} << (8 * i);
    p += bytes;
    return v;
  }
  size_t field(uint8_t* out, size_t cap) {
    auto size = static_cast<size_t>(u(2));
    if (size > cap) ok = false;
    size = size > cap ? 0 : size;
    if (out != nullptr) std::memcpy(out, p, size);
    p += cap;
    return size;
  }
  std::string text(size_t cap) {
    std::string s(cap, '\0');
    s.resize(field(reinterpret_cast<uint8_t*>(s.data()), cap));
    if (s.find('\0') != std::string::npos) ok = false;
    return s;
  }
};

void write_request(Writer& w, const KeRequest& r) {
  w.text(r.address, kAddressCapacity);
  w.u(r.port, 2);
  w.text(r.name, kNameCapacity);
  w.text(r.ca_file, kPathCapacity);
  w.u(r.check_dates ? 1 : 0, 1);
  w.u(static_cast<uint64_t>(r.verify_time_s), 8);
}

void write_answer(Writer& w, const KeAnswer& a) {
  w.u(a.ok ? 1 : 0, 1);
  w.u(a.unreachable ? 1 : 0, 1);
  w.text(a.error, kErrorCapacity);
  w.out.insert(w.out.end(), a.c2s.begin(), a.c2s.end());
  w.out.insert(w.out.end(), a.s2c.begin(), a.s2c.end());
  if (a.cookies.size() > codec::kNtsMaxCookies) w.ok = false;
  w.u(a.cookies.size(), 1);
  for (size_t i = 0; i < codec::kNtsMaxCookies; ++i) {
    const codec::NtsCookie empty;
    const codec::NtsCookie& c = i < a.cookies.size() ? a.cookies[i] : empty;
    w.field(c.bytes, c.size, codec::kNtsMaxCookieSize);
  }
  w.text(a.ntp_address, kAddressCapacity);
  w.u(a.ntp_port, 2);
}

bool read_request(Reader& r, KeRequest& q) {
  q.address = r.text(kAddressCapacity);
  q.port = static_cast<uint16_t>(r.u(2));
  q.name = r.text(kNameCapacity);
  q.ca_file = r.text(kPathCapacity);
  uint64_t check = r.u(1);
  q.check_dates = check == 1;
  q.verify_time_s = static_cast<int64_t>(r.u(8));
  return r.ok && check <= 1 && !q.address.empty() && q.port != 0;
}

// The cookies: count, then kNtsMaxCookies fields; an answer that is ok has 1 to 8, none empty.
bool read_cookies(Reader& r, KeAnswer& a) {
  auto count = static_cast<size_t>(r.u(1));
  bool ok = count <= codec::kNtsMaxCookies;
  for (size_t i = 0; i < codec::kNtsMaxCookies; ++i) {
    codec::NtsCookie c;
    c.size = r.field(c.bytes, codec::kNtsMaxCookieSize);
    if (i < count && c.size == 0) ok = false;
    if (i < count && ok) a.cookies.push_back(c);
  }
  return ok && (!a.ok || count > 0);
}

bool read_answer(Reader& r, KeAnswer& a) {
  uint64_t ok = r.u(1);
  uint64_t unreachable = r.u(1);
  a.ok = ok == 1;
  a.unreachable = unreachable == 1;
  a.error = r.text(kErrorCapacity);
  std::memcpy(a.c2s.data(), r.p, kKeySize);
  std::memcpy(a.s2c.data(), r.p + kKeySize, kKeySize);
  r.p += 2 * kKeySize;
  bool cookies = read_cookies(r, a);
  a.ntp_address = r.text(kAddressCapacity);
  a.ntp_port = static_cast<uint16_t>(r.u(2));
  bool filled = a.ok ? !a.ntp_address.empty() && a.ntp_port != 0 : !a.error.empty();
  return r.ok && ok <= 1 && unreachable <= 1 && cookies && filled;
}

}  // namespace

const char* code(DecodeError e) {
  switch (e) {
    case DecodeError::BadVersion: return "bad-version";
    case DecodeError::BadType: return "bad-type";
    case DecodeError::BadLength: return "bad-length";
    case DecodeError::BadField: return "bad-field";
  }
  return "unknown";
}

std::vector<uint8_t> encode(const Message& m) {
  std::vector<uint8_t> out;
  out.reserve(kMaxMessage);
  Writer w{out};
  const bool request = m.type == Type::KeRequest;
  w.u(kVersion, 2);
  w.u(static_cast<uint16_t>(m.type), 2);
  w.u(m.id, 4);
  w.u(request ? kRequestPayload : kAnswerPayload, 4);
  if (request) {
    write_request(w, m.request);
  } else {
    write_answer(w, m.answer);
  }
  if (!w.ok) out.clear();
  return out;
}

Result<Message, DecodeError> decode(const uint8_t* data, size_t size) {
  if (size < kHeaderSize) return fail(DecodeError::BadLength);
  Reader r{data};
  Message m;
  if (r.u(2) != kVersion) return fail(DecodeError::BadVersion);
  uint64_t type = r.u(2);
  m.id = static_cast<uint32_t>(r.u(4));
  uint64_t payload = r.u(4);
  if (type != static_cast<uint16_t>(Type::KeRequest) && type != static_cast<uint16_t>(Type::KeAnswer))
    return fail(DecodeError::BadType);
  m.type = static_cast<Type>(type);
  const size_t expected = m.type == Type::KeRequest ? kRequestPayload : kAnswerPayload;
  if (payload != expected || size != kHeaderSize + expected) return fail(DecodeError::BadLength);
  bool ok = m.type == Type::KeRequest ? read_request(r, m.request) : read_answer(r, m.answer);
  if (!ok) return fail(DecodeError::BadField);
  return m;
}

bool send(int fd, const Message& m) {
  std::vector<uint8_t> bytes = encode(m);
  return !bytes.empty() && send_datagram(fd, bytes.data(), bytes.size());
}

ssize_t receive(int fd, std::vector<uint8_t>& buf, bool wait) {
  return receive_datagram(fd, buf, kMaxMessage, wait);
}

}  // namespace lansync::os::nts
