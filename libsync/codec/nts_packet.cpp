// NTS extension fields; see nts_packet.hpp.
#include "codec/nts_packet.hpp"

#include "codec/bytes.hpp"

namespace lansync::codec {

const char* describe(NtsPacketError e) {
  switch (e) {
    case NtsPacketError::NoUniqueId: return "no NTS unique identifier";
    case NtsPacketError::DuplicateUniqueId: return "more than one NTS unique identifier";
    case NtsPacketError::NoAuthenticator: return "no NTS authenticator";
    case NtsPacketError::AuthenticatorNotLast: return "NTS authenticator not the last field";
    case NtsPacketError::BadAuthenticator: return "malformed NTS authenticator";
  }
  return "unknown NTS packet error";
}

namespace {

size_t append_field(uint16_t type, const uint8_t* value, size_t value_size, uint8_t* packet,
                    size_t size_so_far, size_t cap) {
  if (size_so_far > cap) return 0;
  size_t n = encode_extension(type, value, value_size, false, packet + size_so_far, cap - size_so_far);
  return n == 0 ? 0 : size_so_far + n;
}

// Reads the authenticator's value: nonce and ciphertext lengths that fit inside it.
bool read_authenticator(const ExtensionField& f, NtsLayout* out) {
  if (f.value_size < 4) return false;
  size_t nonce_size = load_be16(f.value);
  size_t cipher_size = load_be16(f.value + 2);
  if (4 + pad4(nonce_size) + pad4(cipher_size) > f.value_size) return false;
  out->nonce = {f.value + 4, nonce_size};
  out->ciphertext = {f.value + 4 + pad4(nonce_size), cipher_size};
  return true;
}

}  // namespace

size_t append_unique_id(uint8_t* packet, size_t size_so_far, size_t cap, const uint8_t* id, size_t id_size) {
  return append_field(kEfUniqueId, id, id_size, packet, size_so_far, cap);
}

size_t append_nts_cookie(uint8_t* packet, size_t size_so_far, size_t cap, const uint8_t* cookie,
                         size_t cookie_size) {
  return append_field(kEfNtsCookie, cookie, cookie_size, packet, size_so_far, cap);
}

size_t append_nts_placeholder(uint8_t* packet, size_t size_so_far, size_t cap, size_t cookie_size) {
  // Zeros as long as a cookie (RFC 8915 §5.5): the server answers with a cookie of that size.
  size_t total = 4 + pad4(cookie_size);
  if (total < kMinExtensionSize) total = kMinExtensionSize;
  if (size_so_far > cap || cap - size_so_far < total || total > 0xFFFF) return 0;
  uint8_t* out = packet + size_so_far;
  store_be16(out, kEfNtsCookiePlaceholder);
  store_be16(out + 2, static_cast<uint16_t>(total));
  zero_bytes(out + 4, total - 4);
  return size_so_far + total;
}

size_t append_nts_authenticator(uint8_t* packet, size_t size_so_far, size_t cap, const uint8_t* nonce,
                                size_t nonce_size, const uint8_t* ciphertext, size_t ciphertext_size) {
  size_t value_size = 4 + pad4(nonce_size) + pad4(ciphertext_size);
  size_t field = value_size + 4 < kMinLastExtensionSize ? kMinLastExtensionSize : value_size + 4;
  if (size_so_far > cap || cap - size_so_far < field || field > 0xFFFF || nonce_size > 0xFFFF ||
      ciphertext_size > 0xFFFF) {
    return 0;
  }
  uint8_t* out = packet + size_so_far;
  store_be16(out, kEfNtsAuthenticator);
  store_be16(out + 2, static_cast<uint16_t>(field));
  store_be16(out + 4, static_cast<uint16_t>(nonce_size));
  store_be16(out + 6, static_cast<uint16_t>(ciphertext_size));
  zero_bytes(out + 8, field - 8);
  for (size_t i = 0; i < nonce_size; ++i) out[8 + i] = nonce[i];
  for (size_t i = 0; i < ciphertext_size; ++i) out[8 + pad4(nonce_size) + i] = ciphertext[i];
  return size_so_far + field;
}

size_t pad_last_extension(uint8_t* packet, size_t field_offset, size_t size, size_t cap, size_t target) {
  if (field_offset + 4 > size || target < size || target > cap || ((target - size) & 3u) != 0) return 0;
  size_t field = target - field_offset;
  if (field > 0xFFFF) return 0;
  zero_bytes(packet + size, target - size);
  store_be16(packet + field_offset + 2, static_cast<uint16_t>(field));
  return target;
}

Result<NtsLayout, NtsPacketError> locate_nts(const uint8_t* data, const PacketLayout& layout) {
  NtsLayout out;
  bool have_id = false;
  bool have_auth = false;
  size_t offset = layout.extensions_offset;
  ExtensionField f;
  for (size_t start = offset; next_extension(data, layout, &offset, &f); start = offset) {
    if (have_auth) return fail(NtsPacketError::AuthenticatorNotLast);
    if (f.type == kEfUniqueId) {
      if (have_id) return fail(NtsPacketError::DuplicateUniqueId);
      out.unique_id = {f.value, f.value_size};
      have_id = true;
    } else if (f.type == kEfNtsAuthenticator) {
      if (!read_authenticator(f, &out)) return fail(NtsPacketError::BadAuthenticator);
      out.associated_size = start;
      have_auth = true;
    }
  }
  if (!have_id) return fail(NtsPacketError::NoUniqueId);
  if (!have_auth) return fail(NtsPacketError::NoAuthenticator);
  if (layout.mac_size != 0) return fail(NtsPacketError::AuthenticatorNotLast);
  return out;
}

bool next_packed_extension(const uint8_t* data, size_t size, size_t* offset, ExtensionField* field) {
  if (*offset >= size || size - *offset < 4) return false;
  size_t length = load_be16(data + *offset + 2);
  if (length < 4 || (length & 3u) != 0 || length > size - *offset) return false;
  field->type = load_be16(data + *offset);
  field->value = data + *offset + 4;
  field->value_size = length - 4;
  *offset += length;
  return true;
}

}  // namespace lansync::codec
