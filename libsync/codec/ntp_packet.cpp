// NTP packet codec; see ntp_packet.hpp.
#include "codec/ntp_packet.hpp"

namespace lansync::codec {

const char* describe(DecodeError e) {
  switch (e) {
    case DecodeError::TooShort: return "packet too short";
    case DecodeError::BadVersion: return "unsupported NTP version";
    case DecodeError::BadMode: return "unsupported mode";
    case DecodeError::MalformedExtension: return "malformed extension field";
    case DecodeError::MalformedMac: return "malformed MAC trailer";
  }
  return "unknown decode error";
}

NtpTimestamp load_timestamp(const uint8_t* p) { return {load_be32(p), load_be32(p + 4)}; }

void store_timestamp(uint8_t* p, NtpTimestamp ts) {
  store_be32(p, ts.seconds);
  store_be32(p + 4, ts.fraction);
}

namespace {

bool is_multiple_of_4(size_t n) { return (n & 3u) == 0; }

// RFC 7822 §7.5: walks the fields after the header of an NTPv4 packet.  A tail
// of 4 bytes is a crypto-NAK, of 20..24 bytes a MAC; anything else must be an
// extension field.
bool layout_v4(const uint8_t* data, size_t len, PacketLayout* out, DecodeError* why) {
  size_t pos = kHeaderSize;
  size_t last_field = 0;
  while (pos < len) {
    size_t rest = len - pos;
    if (rest == kCryptoNakSize || (rest >= kMinMacSize && rest <= kMaxV4MacSize)) {
      if (!is_multiple_of_4(rest)) {
        *why = DecodeError::MalformedMac;
        return false;
      }
      out->mac_offset = pos;
      out->mac_size = rest;
      break;
    }
    if (rest < kMinExtensionSize) {
      *why = DecodeError::MalformedExtension;
      return false;
    }
    size_t field = load_be16(data + pos + 2);
    if (field < kMinExtensionSize || !is_multiple_of_4(field) || field > rest) {
      *why = DecodeError::MalformedExtension;
      return false;
    }
    last_field = field;
    pos += field;
    ++out->extension_count;
  }
  out->extensions_size = (out->mac_size > 0 ? out->mac_offset : len) - kHeaderSize;
  if (out->mac_size == 0 && out->extension_count > 0 && last_field < kMinLastExtensionSize) {
    *why = DecodeError::MalformedExtension;
    return false;
  }
  return true;
}

}  // namespace

Result<PacketLayout, DecodeError> decode(const uint8_t* data, size_t len) {
  if (len == 0) return fail(DecodeError::TooShort);
  uint8_t version = (data[0] >> 3) & 7u;
  auto mode = static_cast<Mode>(data[0] & 7u);
  if (version < 1 || version > 4) return fail(DecodeError::BadVersion);
  if (mode == Mode::Reserved || mode == Mode::Control || mode == Mode::Private) {
    return fail(DecodeError::BadMode);
  }
  if (len < kHeaderSize) return fail(DecodeError::TooShort);

  PacketLayout out;
  NtpHeader& h = out.header;
  h.leap = static_cast<Leap>(data[0] >> 6);
  h.version = version;
  h.mode = mode;
  h.stratum = data[1];
  h.poll_log2 = static_cast<int8_t>(data[2]);
  h.precision_log2 = static_cast<int8_t>(data[3]);
  h.root_delay = {load_be32(data + 4)};
  h.root_dispersion = {load_be32(data + 8)};
  h.refid = load_be32(data + 12);
  h.reference = load_timestamp(data + 16);
  h.origin = load_timestamp(data + 24);
  h.receive = load_timestamp(data + 32);
  h.transmit = load_timestamp(data + 40);

  if (len == kHeaderSize) return out;
  DecodeError why = DecodeError::MalformedExtension;
  if (version == 4) {
    if (!layout_v4(data, len, &out, &why)) return fail(why);
    return out;
  }
  // Before NTPv4 there are no extension fields: the whole tail is the MAC.
  size_t rest = len - kHeaderSize;
  if (rest < kCryptoNakSize || rest > kMaxV3MacSize || !is_multiple_of_4(rest)) {
    return fail(DecodeError::MalformedMac);
  }
  out.mac_offset = kHeaderSize;
  out.mac_size = rest;
  return out;
}

size_t encode(const NtpHeader& h, uint8_t* out, size_t cap) {
  if (cap < kHeaderSize) return 0;
  out[0] = static_cast<uint8_t>((static_cast<unsigned>(h.leap) & 3u) << 6 | (h.version & 7u) << 3 |
                                (static_cast<unsigned>(h.mode) & 7u));
  out[1] = h.stratum;
  out[2] = static_cast<uint8_t>(h.poll_log2);
  out[3] = static_cast<uint8_t>(h.precision_log2);
  store_be32(out + 4, h.root_delay.raw);
  store_be32(out + 8, h.root_dispersion.raw);
  store_be32(out + 12, h.refid);
  store_timestamp(out + 16, h.reference);
  store_timestamp(out + 24, h.origin);
  store_timestamp(out + 32, h.receive);
  store_timestamp(out + 40, h.transmit);
  return kHeaderSize;
}

bool next_extension(const uint8_t* data, const PacketLayout& layout, size_t* offset, ExtensionField* field) {
  size_t end = layout.extensions_offset + layout.extensions_size;
  if (*offset < layout.extensions_offset || *offset + 4 > end) return false;
  size_t size = load_be16(data + *offset + 2);
  if (size < kMinExtensionSize || *offset + size > end) return false;  // decode() rules these out
  field->type = load_be16(data + *offset);
  field->value = data + *offset + 4;
  field->value_size = size - 4;
  *offset += size;
  return true;
}

size_t encode_extension(uint16_t type, const uint8_t* value, size_t value_size, bool last_without_mac,
                        uint8_t* out, size_t cap) {
  size_t size = (4 + value_size + 3) & ~size_t{3};
  size_t minimum = last_without_mac ? kMinLastExtensionSize : kMinExtensionSize;
  if (size < minimum) size = minimum;
  if (size > 0xFFFF || size > cap) return 0;
  store_be16(out, type);
  store_be16(out + 2, static_cast<uint16_t>(size));
  for (size_t i = 0; i < value_size; ++i) out[4 + i] = value[i];
  for (size_t i = 4 + value_size; i < size; ++i) out[i] = 0;
  return size;
}

uint32_t refid_from_ascii(const char* text) {
  uint32_t id = 0;
  for (int i = 0; i < 4; ++i) {
    uint8_t c = (text != nullptr && *text != '\0') ? static_cast<uint8_t>(*text++) : 0;
    id = (id << 8) | c;
  }
  return id;
}

void refid_to_ascii(uint32_t refid, char out[5]) {
  for (int i = 0; i < 4; ++i) {
    auto c = static_cast<uint8_t>(refid >> (24 - 8 * i));
    out[i] = (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : (c == 0 ? ' ' : '?');
  }
  // Trailing NULs (short codes such as "GPS") become spaces above; trim them.
  int n = 4;
  while (n > 0 && out[n - 1] == ' ') --n;
  out[n] = '\0';
}

}  // namespace lansync::codec
