// NTP MAC checks and signing, shared by the Pi and the boards; see auth.hpp.
#include "proto/auth.hpp"

namespace lansync::proto {

bool equal_constant_time(const uint8_t* a, const uint8_t* b, size_t n) {
  uint8_t diff = 0;
  for (size_t i = 0; i < n; ++i) diff = static_cast<uint8_t>(diff | (a[i] ^ b[i]));
  // Through a volatile, so that the compiler cannot stop at the first difference.
  volatile uint8_t result = diff;
  return result == 0;
}

bool MacKeys::verify(uint32_t key_id, const uint8_t* data, size_t size, const uint8_t* digest,
                     size_t digest_size) const {
  uint8_t mine[codec::kMaxDigestSize];
  size_t whole = mac_size(key_id);
  if (whole == 0 || digest_size == 0 || digest_size > whole || digest_size > sizeof(mine)) return false;
  return compute(key_id, data, size, mine, digest_size) && equal_constant_time(mine, digest, digest_size);
}

const char* describe(AuthStatus s) {
  switch (s) {
    case AuthStatus::Unsigned: return "unsigned";
    case AuthStatus::CryptoNak: return "crypto-NAK";
    case AuthStatus::Ok: return "ok";
    case AuthStatus::UnknownKey: return "unknown key";
    case AuthStatus::BadMac: return "bad MAC";
  }
  return "unknown";
}

AuthCheck check_auth(const uint8_t* packet, const codec::PacketLayout& layout, const MacKeys* keys) {
  AuthCheck out;
  codec::MacTrailer t = codec::read_mac(packet, layout);
  switch (t.kind) {
    case codec::MacKind::None: return out;
    case codec::MacKind::CryptoNak: out.status = AuthStatus::CryptoNak; return out;
    case codec::MacKind::Malformed: out.status = AuthStatus::BadMac; return out;
    case codec::MacKind::Mac: break;
  }
  out.key_id = t.key_id;
  size_t mac_size = keys != nullptr && t.key_id != 0 ? keys->mac_size(t.key_id) : 0;
  if (mac_size == 0) {
    out.status = AuthStatus::UnknownKey;
    return out;
  }
  bool ok = t.digest_size == codec::mac_digest_size(layout.header.version, mac_size) &&
            keys->verify(t.key_id, packet, t.signed_size, t.digest, t.digest_size);
  out.status = ok ? AuthStatus::Ok : AuthStatus::BadMac;
  return out;
}

size_t mac_trailer_size(const MacKeys& keys, uint32_t key_id, uint8_t version) {
  size_t mac_size = key_id != 0 ? keys.mac_size(key_id) : 0;
  if (mac_size == 0) return 0;
  return codec::kKeyIdSize + codec::mac_digest_size(version, mac_size);
}

size_t sign_packet(uint8_t* packet, size_t size, size_t cap, uint32_t key_id, const MacKeys& keys) {
  if (size == 0) return 0;
  uint8_t version = (packet[0] >> 3) & 7u;
  size_t trailer = mac_trailer_size(keys, key_id, version);
  if (trailer == 0 || size > cap || cap - size < trailer) return 0;
  uint8_t digest[codec::kMaxDigestSize];
  size_t digest_size = trailer - codec::kKeyIdSize;
  if (!keys.compute(key_id, packet, size, digest, digest_size)) return 0;
  return codec::append_mac(packet, size, cap, key_id, digest, digest_size);
}

}  // namespace lansync::proto
