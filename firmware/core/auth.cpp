// The board's NTP key; see auth.hpp.
#include "firmware/core/auth.hpp"

#include "codec/mac.hpp"

namespace lansync::fw {
namespace {

// Whether a[0..n) equals b[0..n), in a time that does not depend on where they differ.
bool equal_constant_time(const uint8_t* a, const uint8_t* b, size_t n) {
  uint8_t diff = 0;
  for (size_t i = 0; i < n; ++i) diff = static_cast<uint8_t>(diff | (a[i] ^ b[i]));
  return diff == 0;
}

}  // namespace

size_t hash_size(HashType t) { return t == HashType::Sha512 ? 64 : 32; }

const char* describe(MacCheck c) {
  switch (c) {
    case MacCheck::Ok: return "ok";
    case MacCheck::Unsigned: return "unsigned";
    case MacCheck::UnknownKey: return "unknown key";
    case MacCheck::BadMac: return "bad MAC";
  }
  return "unknown";
}

size_t mac_trailer_size(const MacKey& key, uint8_t version) {
  return codec::kKeyIdSize + codec::mac_digest_size(version, hash_size(key.type));
}

MacCheck check_mac(const MacKey& key, const uint8_t* packet, const codec::PacketLayout& layout) {
  codec::MacTrailer t = codec::read_mac(packet, layout);
  switch (t.kind) {
    case codec::MacKind::None:
    case codec::MacKind::CryptoNak: return MacCheck::Unsigned;
    case codec::MacKind::Malformed: return MacCheck::BadMac;
    case codec::MacKind::Mac: break;
  }
  if (!key.enabled() || t.key_id != key.id) return MacCheck::UnknownKey;
  // The digest must be exactly as long as the codec says, as chrony requires.
  if (t.digest_size != codec::mac_digest_size(layout.header.version, hash_size(key.type)))
    return MacCheck::BadMac;
  uint8_t digest[kMaxHashBytes];
  if (!key.hash(key.context, key, packet, t.signed_size, digest)) return MacCheck::BadMac;
  return equal_constant_time(digest, t.digest, t.digest_size) ? MacCheck::Ok : MacCheck::BadMac;
}

size_t sign(const MacKey& key, uint8_t* packet, size_t size, size_t cap) {
  if (!key.enabled() || size == 0) return 0;
  uint8_t version = static_cast<uint8_t>((packet[0] >> 3) & 7u);
  uint8_t digest[kMaxHashBytes];
  if (!key.hash(key.context, key, packet, size, digest)) return 0;
  return codec::append_mac(packet, size, cap, key.id, digest,
                           mac_trailer_size(key, version) - codec::kKeyIdSize);
}

}  // namespace lansync::fw
