// NTP MAC trailer; see mac.hpp.
#include "codec/mac.hpp"

namespace lansync::codec {

MacTrailer read_mac(const uint8_t* data, const PacketLayout& layout) {
  MacTrailer t;
  t.signed_size = layout.mac_size > 0 ? layout.mac_offset : layout.extensions_offset + layout.extensions_size;
  if (layout.mac_size < kKeyIdSize) return t;  // 0: none; decode() never gives 1..3
  uint32_t key_id = load_be32(data + layout.mac_offset);
  if (layout.mac_size == kKeyIdSize) {
    t.kind = key_id == 0 ? MacKind::CryptoNak : MacKind::Malformed;
    return t;
  }
  t.kind = MacKind::Mac;
  t.key_id = key_id;
  t.digest = data + layout.mac_offset + kKeyIdSize;
  t.digest_size = layout.mac_size - kKeyIdSize;
  return t;
}

size_t mac_digest_size(uint8_t version, size_t mac_size) {
  size_t limit = version == 4 ? kMaxV4DigestSize : kMaxDigestSize;
  return mac_size < limit ? mac_size : limit;
}

size_t append_mac(uint8_t* packet, size_t size, size_t cap, uint32_t key_id, const uint8_t* digest,
                  size_t digest_size) {
  if (digest_size > kMaxDigestSize || size > cap || cap - size < kKeyIdSize + digest_size) return 0;
  store_be32(packet + size, key_id);
  uint8_t* out = packet + size + kKeyIdSize;
  for (size_t i = 0; i < digest_size; ++i) out[i] = digest[i];
  return size + kKeyIdSize + digest_size;
}

}  // namespace lansync::codec
