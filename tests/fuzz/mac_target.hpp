// The MAC trailer parser's fuzz target, shared by libFuzzer (fuzz_mac.cpp)
// and the unit test that replays the corpus without clang (test_fuzz_mac.cpp).
//
// For any input: decode() either refuses it or lays it out; read_mac() then
// points only inside the packet, and its parts add up to the packet's size;
// check_auth() gives an answer without reading out of bounds; and the signed
// part, signed again with a key we hold, decodes and verifies with that key.
// Returns false when one of these properties does not hold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "codec/mac.hpp"
#include "codec/ntp_packet.hpp"
#include "core/auth.hpp"
#include "os/keys.hpp"

namespace lansync::fuzz {

inline const core::MacKeys& fuzz_keys() {
  static std::unique_ptr<os::KeyRing> ring = [] {
    auto r = os::KeyRing::parse(
        "1 SHA256 HEX:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
        "2 SHA512 HEX:202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n",
        "fuzz keys");
    return r.ok() ? std::move(*r) : nullptr;
  }();
  return *ring;
}

inline bool mac_trailer_properties_hold(const uint8_t* data, size_t size) {
  auto layout = codec::decode(data, size);
  if (!layout) return true;  // refused: nothing more to hold
  const codec::PacketLayout& l = *layout;
  codec::MacTrailer t = codec::read_mac(data, l);
  switch (t.kind) {
    case codec::MacKind::None:
      if (l.mac_size != 0 || t.signed_size != size) return false;
      break;
    case codec::MacKind::CryptoNak:
    case codec::MacKind::Malformed:
      if (l.mac_size != codec::kKeyIdSize || t.signed_size + codec::kKeyIdSize != size) return false;
      break;
    case codec::MacKind::Mac:
      if (t.digest < data + codec::kHeaderSize || t.digest + t.digest_size != data + size) return false;
      if (t.signed_size + codec::kKeyIdSize + t.digest_size != size) return false;
      if (t.digest_size > codec::kMaxDigestSize) return false;
      if (l.header.version == 4 && t.digest_size > codec::kMaxV4DigestSize) return false;
      break;
  }
  const core::MacKeys& keys = fuzz_keys();
  core::AuthCheck a = core::check_auth(data, l, &keys);
  if (a.status == core::AuthStatus::Ok && t.kind != codec::MacKind::Mac) return false;

  // Sign the signed part again with each key: it must decode and verify.
  for (uint32_t key_id : {1u, 2u}) {
    uint8_t packet[codec::kHeaderSize + 2048];
    if (t.signed_size + codec::kMaxV3MacSize > sizeof(packet)) break;
    std::memcpy(packet, data, t.signed_size);
    size_t signed_size = core::sign_packet(packet, t.signed_size, sizeof(packet), key_id, keys);
    if (signed_size != t.signed_size + core::mac_trailer_size(keys, key_id, l.header.version)) return false;
    auto again = codec::decode(packet, signed_size);
    if (!again) return false;
    core::AuthCheck b = core::check_auth(packet, *again, &keys);
    if (b.status != core::AuthStatus::Ok || b.key_id != key_id) return false;
    packet[codec::kTransmitOffset] ^= 1;  // any change to the signed part must fail
    if (core::check_auth(packet, *again, &keys).status != core::AuthStatus::BadMac) return false;
  }
  return true;
}

}  // namespace lansync::fuzz
