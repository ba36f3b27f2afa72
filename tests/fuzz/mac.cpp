// Fuzz target for the MAC trailer parser; see targets.hpp.
//
// For any input: decode() either refuses it or lays it out; read_mac() then
// points only inside the packet, and its parts add up to the packet's size;
// check_auth() answers without reading out of bounds, and never Ok without a
// MAC; and the signed part, signed again with each key we hold, decodes and
// verifies with that key, and no longer does once a signed byte changes.
#include "codec/mac.hpp"

#include <cstring>
#include <memory>

#include "codec/ntp_packet.hpp"
#include "os/crypto_keys.hpp"
#include "proto/auth.hpp"
#include "targets.hpp"

namespace lansync::fuzz {
namespace {

constexpr Require require{"mac"};

}  // namespace

const proto::MacKeys& fuzz_keys() {
  static std::unique_ptr<os::KeyRing> ring = [] {
    auto r = os::KeyRing::parse(
        "1 SHA256 HEX:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
        "2 SHA512 HEX:202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n"
        "3 SHA1 HEX:75388cd24c9b15666342921464f226fc7d179a98\n"
        "4 AES128 HEX:ff23850986e6888bedafa3731076c51b\n",
        "fuzz keys");
    require(r.ok(), "the fuzz keys parse");
    return std::move(*r);
  }();
  return *ring;
}

int mac(const uint8_t* data, size_t size) {
  auto layout = codec::decode(data, size);
  if (!layout) return 0;  // refused: nothing more must hold
  const codec::PacketLayout& l = *layout;
  codec::MacTrailer t = codec::read_mac(data, l);
  switch (t.kind) {
    case codec::MacKind::None:
      require(l.mac_size == 0 && t.signed_size == size, "no trailer: everything is signed part");
      break;
    case codec::MacKind::CryptoNak:
    case codec::MacKind::Malformed:
      require(l.mac_size == codec::kKeyIdSize && t.signed_size + codec::kKeyIdSize == size,
              "a bare key ID is the last 4 bytes");
      break;
    case codec::MacKind::Mac:
      require(t.digest >= data + codec::kHeaderSize && t.digest + t.digest_size == data + size,
              "the digest lies inside the packet, at its end");
      require(t.signed_size + codec::kKeyIdSize + t.digest_size == size, "the parts add up");
      require(t.digest_size <= codec::kMaxDigestSize, "at most 64 digest bytes");
      require(l.header.version != 4 || t.digest_size <= codec::kMaxV4DigestSize,
              "at most 20 digest bytes in NTPv4");
      break;
  }
  proto::AuthCheck a = proto::check_auth(data, l, &fuzz_keys());
  require(a.status != proto::AuthStatus::Ok || t.kind == codec::MacKind::Mac, "Ok only with a MAC");

  for (uint32_t key_id : {1u, 2u, 3u, 4u}) {
    uint8_t packet[2048 + codec::kMaxV3MacSize];
    if (t.signed_size > 2048) break;
    std::memcpy(packet, data, t.signed_size);
    size_t n = proto::sign_packet(packet, t.signed_size, sizeof(packet), key_id, fuzz_keys());
    require(n == t.signed_size + proto::mac_trailer_size(fuzz_keys(), key_id, l.header.version),
            "signing appends the key's trailer");
    auto again = codec::decode(packet, n);
    require(again.ok(), "a signed packet decodes");
    proto::AuthCheck b = proto::check_auth(packet, *again, &fuzz_keys());
    require(b.status == proto::AuthStatus::Ok && b.key_id == key_id, "a signed packet verifies");
    packet[codec::kTransmitOffset] ^= 1;
    require(proto::check_auth(packet, *again, &fuzz_keys()).status == proto::AuthStatus::BadMac,
            "a changed signed byte fails");
  }
  return 0;
}

}  // namespace lansync::fuzz
