// NTP MAC checks and signing; see auth.hpp.
#include "core/auth.hpp"

namespace lansync::core {

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

}  // namespace lansync::core
