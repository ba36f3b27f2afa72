// NTS-KE records; see nts_ke.hpp.
#include "codec/nts_ke.hpp"

#include "codec/bytes.hpp"

namespace lansync::codec {

const char* describe(NtsKeError e) {
  switch (e) {
    case NtsKeError::Truncated: return "NTS-KE record runs past the end of the response";
    case NtsKeError::TooLong: return "NTS-KE response too long";
    case NtsKeError::MissingEnd: return "NTS-KE response has no End of Message record";
    case NtsKeError::TrailingBytes: return "NTS-KE response has bytes after End of Message";
    case NtsKeError::BadRecordLength: return "NTS-KE record has the wrong length for its type";
    case NtsKeError::UnknownCritical: return "NTS-KE response has an unknown critical record";
    case NtsKeError::ServerError: return "NTS-KE server sent an error";
    case NtsKeError::NoProtocol: return "NTS-KE response names no next protocol";
    case NtsKeError::BadProtocol: return "NTS-KE server did not choose NTPv4";
    case NtsKeError::NoAead: return "NTS-KE response names no AEAD algorithm";
    case NtsKeError::BadAead: return "NTS-KE server did not choose AEAD_AES_SIV_CMAC_256";
    case NtsKeError::NoCookie: return "NTS-KE response has no cookie";
    case NtsKeError::BadCookie: return "NTS-KE cookie empty or too long";
    case NtsKeError::BadServer: return "NTS-KE server name empty, too long or not printable";
    case NtsKeError::DuplicateRecord: return "NTS-KE response repeats a record";
    case NtsKeError::UnexpectedRecord: return "NTS-KE request has an Error or Warning record";
  }
  return "unknown NTS-KE error";
}

namespace {

size_t put_record(uint8_t* out, uint16_t type, const uint8_t* body, uint16_t body_size) {
  store_be16(out, type);
  store_be16(out + 2, body_size);
  for (size_t i = 0; i < body_size; ++i) out[4 + i] = body[i];
  return 4u + body_size;
}

// One record of a message being parsed.
struct Record {
  bool critical = false;
  uint16_t type = 0;
  const uint8_t* body = nullptr;
  size_t size = 0;
};

// The record at *pos in data[0..len), advancing *pos past it; false if it runs past len.
bool read_record(const uint8_t* data, size_t len, size_t* pos, Record* r) {
  if (len - *pos < 4) return false;
  uint16_t word = load_be16(data + *pos);
  size_t size = load_be16(data + *pos + 2);
  if (len - *pos - 4 < size) return false;
  r->critical = (word & kNtsKeCritical) != 0;
  r->type = static_cast<uint16_t>(word & ~kNtsKeCritical);
  r->body = data + *pos + 4;
  r->size = size;
  *pos += 4 + size;
  return true;
}

// What the parse has seen so far, beside the response it fills.
struct Seen {
  bool protocol = false;
  bool aead = false;
  bool server = false;
  bool port = false;
  bool end = false;
};

Failure<NtsKeRefusal> refuse(NtsKeError e, uint16_t code = 0) { return fail(NtsKeRefusal{e, code}); }

bool printable_name(const uint8_t* p, size_t n) {
  if (n == 0 || n > kNtsMaxServerNameSize) return false;
  for (size_t i = 0; i < n; ++i) {
    if (p[i] <= 0x20 || p[i] >= 0x7F) return false;
  }
  return true;
}

// A one-value record (protocol or AEAD): exactly one 16-bit value.
bool one_value(const Record& r, uint16_t* value) {
  if (r.size != 2) return false;
  *value = load_be16(r.body);
  return true;
}

Result<Unit, NtsKeRefusal> take_cookie(const Record& r, NtsKeResponse* out) {
  if (r.size == 0 || r.size > kNtsMaxCookieSize) return refuse(NtsKeError::BadCookie, r.type);
  if (out->cookie_count == kNtsMaxCookies) return Unit{};  // more than we hold: dropped
  NtsCookie& c = out->cookies[out->cookie_count++];
  for (size_t i = 0; i < r.size; ++i) c.bytes[i] = r.body[i];
  c.size = r.size;
  return Unit{};
}

Result<Unit, NtsKeRefusal> take_server(const Record& r, NtsKeResponse* out, Seen* seen) {
  if (seen->server) return refuse(NtsKeError::DuplicateRecord, r.type);
  if (!printable_name(r.body, r.size)) return refuse(NtsKeError::BadServer, r.type);
  for (size_t i = 0; i < r.size; ++i) out->server[i] = static_cast<char>(r.body[i]);
  out->server[r.size] = '\0';
  seen->server = true;
  return Unit{};
}

// The negotiation records: next protocol, AEAD, port.
Result<Unit, NtsKeRefusal> take_choice(const Record& r, NtsKeResponse* out, Seen* seen) {
  uint16_t value = 0;
  if (!one_value(r, &value)) {
    if (r.type == static_cast<uint16_t>(NtsKeRecord::NextProtocol))
      return refuse(NtsKeError::BadProtocol, r.type);
    if (r.type == static_cast<uint16_t>(NtsKeRecord::Aead)) return refuse(NtsKeError::BadAead, r.type);
    return refuse(NtsKeError::BadRecordLength, r.type);
  }
  bool* flag = r.type == static_cast<uint16_t>(NtsKeRecord::NextProtocol) ? &seen->protocol
               : r.type == static_cast<uint16_t>(NtsKeRecord::Aead)       ? &seen->aead
                                                                          : &seen->port;
  if (*flag) return refuse(NtsKeError::DuplicateRecord, r.type);
  *flag = true;
  if (r.type == static_cast<uint16_t>(NtsKeRecord::NextProtocol)) {
    if (value != kNtsProtocolNtpV4) return refuse(NtsKeError::BadProtocol, value);
    out->protocol = value;
  } else if (r.type == static_cast<uint16_t>(NtsKeRecord::Aead)) {
    if (value != kAeadAesSivCmac256) return refuse(NtsKeError::BadAead, value);
    out->aead = value;
  } else {
    out->port = value;
  }
  return Unit{};
}

Result<Unit, NtsKeRefusal> take_record(const Record& r, NtsKeResponse* out, Seen* seen) {
  switch (static_cast<NtsKeRecord>(r.type)) {
    case NtsKeRecord::End:
      if (r.size != 0) return refuse(NtsKeError::BadRecordLength, r.type);
      seen->end = true;
      return Unit{};
    case NtsKeRecord::Error:
      return refuse(NtsKeError::ServerError, r.size == 2 ? load_be16(r.body) : uint16_t{0xFFFF});
    case NtsKeRecord::Warning:
      if (r.size != 2) return refuse(NtsKeError::BadRecordLength, r.type);
      out->warned = true;
      out->warning_code = load_be16(r.body);
      return Unit{};
    case NtsKeRecord::NewCookie: return take_cookie(r, out);
    case NtsKeRecord::Server: return take_server(r, out, seen);
    case NtsKeRecord::NextProtocol:
    case NtsKeRecord::Aead:
    case NtsKeRecord::Port: return take_choice(r, out, seen);
  }
  if (r.critical) return refuse(NtsKeError::UnknownCritical, r.type);
  return Unit{};  // RFC 8915 §4: an unknown record without the critical bit is ignored
}

Result<NtsKeResponse, NtsKeRefusal> check_complete(const NtsKeResponse& out, const Seen& seen) {
  if (!seen.protocol) return refuse(NtsKeError::NoProtocol);
  if (!seen.aead) return refuse(NtsKeError::NoAead);
  if (out.cookie_count == 0) return refuse(NtsKeError::NoCookie);
  return out;
}

}  // namespace

size_t write_nts_ke_request(uint8_t* out, size_t cap) {
  if (cap < kNtsKeRequestSize) return 0;
  uint8_t protocol[2];
  uint8_t aead[2];
  store_be16(protocol, kNtsProtocolNtpV4);
  store_be16(aead, kAeadAesSivCmac256);
  size_t n = put_record(out, kNtsKeCritical | static_cast<uint16_t>(NtsKeRecord::NextProtocol), protocol, 2);
  n += put_record(out + n, kNtsKeCritical | static_cast<uint16_t>(NtsKeRecord::Aead), aead, 2);
  n += put_record(out + n, kNtsKeCritical | static_cast<uint16_t>(NtsKeRecord::End), nullptr, 0);
  return n;
}

size_t nts_ke_message_size(const uint8_t* data, size_t len) {
  size_t pos = 0;
  Record r;
  while (pos < len && read_record(data, len, &pos, &r)) {
    if (r.type == static_cast<uint16_t>(NtsKeRecord::End)) return pos;
  }
  return 0;
}

Result<NtsKeResponse, NtsKeRefusal> parse_nts_ke_response(const uint8_t* data, size_t len) {
  if (len > kNtsKeMaxResponseSize) return refuse(NtsKeError::TooLong);
  NtsKeResponse out;
  Seen seen;
  size_t pos = 0;
  while (pos < len && !seen.end) {
    Record r;
    if (!read_record(data, len, &pos, &r)) return refuse(NtsKeError::Truncated);
    auto taken = take_record(r, &out, &seen);
    if (!taken) return fail(taken.error());
  }
  if (!seen.end) return refuse(NtsKeError::MissingEnd);
  if (pos != len) return refuse(NtsKeError::TrailingBytes);
  return check_complete(out, seen);
}

namespace {

// A client's list of 16-bit IDs (Next Protocol or AEAD): non-empty, whole; whether want is among them.
Result<bool, NtsKeRefusal> offers(const Record& r, uint16_t want) {
  if (r.size == 0 || (r.size & 1u) != 0) return refuse(NtsKeError::BadRecordLength, r.type);
  bool found = false;
  for (size_t i = 0; i < r.size; i += 2) found = found || load_be16(r.body + i) == want;
  return found;
}

// One record of a request; seen->protocol and seen->aead mark the two negotiations.
Result<Unit, NtsKeRefusal> take_request_record(const Record& r, NtsKeRequest* out, Seen* seen) {
  const bool is_protocol = r.type == static_cast<uint16_t>(NtsKeRecord::NextProtocol);
  switch (static_cast<NtsKeRecord>(r.type)) {
    case NtsKeRecord::End:
      if (r.size != 0) return refuse(NtsKeError::BadRecordLength, r.type);
      seen->end = true;
      return Unit{};
    case NtsKeRecord::NextProtocol:
    case NtsKeRecord::Aead: {
      bool& flag = is_protocol ? seen->protocol : seen->aead;
      if (flag) return refuse(NtsKeError::DuplicateRecord, r.type);
      flag = true;
      auto found = offers(r, is_protocol ? kNtsProtocolNtpV4 : kAeadAesSivCmac256);
      if (!found) return fail(found.error());
      (is_protocol ? out->ntp_v4 : out->aead_siv) = *found;
      return Unit{};
    }
    case NtsKeRecord::Error:
    case NtsKeRecord::Warning: return refuse(NtsKeError::UnexpectedRecord, r.type);
    case NtsKeRecord::Port:
      if (r.size != 2) return refuse(NtsKeError::BadRecordLength, r.type);
      return Unit{};
    case NtsKeRecord::NewCookie:
    case NtsKeRecord::Server: return Unit{};  // the client's wishes: the server decides (RFC 8915 §4.1.7)
  }
  if (r.critical) return refuse(NtsKeError::UnknownCritical, r.type);
  return Unit{};
}

size_t put_value(uint8_t* out, uint16_t type, uint16_t value) {
  uint8_t body[2];
  store_be16(body, value);
  return put_record(out, kNtsKeCritical | type, body, 2);
}

// The length of a server name (1..kNtsMaxServerNameSize), 0 if empty or longer.
size_t name_size(const char* name) {
  size_t n = 0;
  while (name[n] != '\0' && n <= kNtsMaxServerNameSize) ++n;
  return n > kNtsMaxServerNameSize ? 0 : n;
}

// Bytes the response to an accepted request takes; 0 if a cookie or the name is too long.
size_t response_size(const NtsKeAnswer& answer) {
  size_t n = 6 + 6 + 4 + (answer.port != 0 ? 6 : 0);
  for (size_t i = 0; i < answer.cookie_count; ++i) {
    if (answer.cookies[i].size == 0 || answer.cookies[i].size > kNtsMaxCookieSize) return 0;
    n += 4 + answer.cookies[i].size;
  }
  if (answer.server == nullptr) return n;
  size_t name = name_size(answer.server);
  return name == 0 ? 0 : n + 4 + name;
}

}  // namespace

Result<NtsKeRequest, NtsKeRefusal> parse_nts_ke_request(const uint8_t* data, size_t len) {
  if (len > kNtsKeMaxRequestSize) return refuse(NtsKeError::TooLong);
  NtsKeRequest out;
  Seen seen;
  size_t pos = 0;
  while (pos < len && !seen.end) {
    Record r;
    if (!read_record(data, len, &pos, &r)) return refuse(NtsKeError::Truncated);
    auto taken = take_request_record(r, &out, &seen);
    if (!taken) return fail(taken.error());
  }
  if (!seen.end) return refuse(NtsKeError::MissingEnd);
  if (pos != len) return refuse(NtsKeError::TrailingBytes);
  if (!seen.protocol) return refuse(NtsKeError::NoProtocol);
  if (!seen.aead) return refuse(NtsKeError::NoAead);
  return out;
}

uint16_t error_code(const NtsKeRefusal& refusal) {
  return refusal.error == NtsKeError::UnknownCritical ? kNtsKeErrorUnrecognizedCritical
                                                      : kNtsKeErrorBadRequest;
}

size_t write_nts_ke_response(const NtsKeRequest& request, const NtsKeAnswer& answer, uint8_t* out,
                             size_t cap) {
  const uint16_t protocol = static_cast<uint16_t>(NtsKeRecord::NextProtocol);
  const uint16_t aead = static_cast<uint16_t>(NtsKeRecord::Aead);
  if (!request.ntp_v4 || !request.aead_siv) {
    // None of the client's offers: an empty record says so (RFC 8915 §4.1.2, §4.1.5).
    if (cap < 4 + 6 + 4) return 0;
    size_t n = request.ntp_v4 ? put_value(out, protocol, kNtsProtocolNtpV4) : 0;
    n += put_record(out + n, kNtsKeCritical | (request.ntp_v4 ? aead : protocol), nullptr, 0);
    return n + put_record(out + n, kNtsKeCritical, nullptr, 0);
  }
  size_t need = response_size(answer);
  if (need == 0 || need > cap) return 0;
  size_t n = put_value(out, protocol, kNtsProtocolNtpV4);
  n += put_value(out + n, aead, kAeadAesSivCmac256);
  for (size_t i = 0; i < answer.cookie_count; ++i) {
    const NtsCookie& c = answer.cookies[i];
    n += put_record(out + n, static_cast<uint16_t>(NtsKeRecord::NewCookie), c.bytes,
                    static_cast<uint16_t>(c.size));
  }
  if (answer.server != nullptr) {
    size_t name = name_size(answer.server);
    n += put_record(out + n, kNtsKeCritical | static_cast<uint16_t>(NtsKeRecord::Server),
                    reinterpret_cast<const uint8_t*>(answer.server), static_cast<uint16_t>(name));
  }
  if (answer.port != 0) n += put_value(out + n, static_cast<uint16_t>(NtsKeRecord::Port), answer.port);
  return n + put_record(out + n, kNtsKeCritical, nullptr, 0);
}

size_t write_nts_ke_error(uint16_t code, uint8_t* out, size_t cap) {
  if (cap < 6 + 4) return 0;
  size_t n = put_value(out, static_cast<uint16_t>(NtsKeRecord::Error), code);
  return n + put_record(out + n, kNtsKeCritical, nullptr, 0);
}

}  // namespace lansync::codec
