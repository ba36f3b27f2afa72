// The symmetric-key MAC trailer of an NTP packet: reading it, its size rule, appending one.
//
// RFC 5905 §7.3 and RFC 8573, as chrony (ntp_auth.c, keys.c) and ntpsec
// (libntp/macencrypt.c) practise them: after the header and any extension
// fields comes a 4-byte big-endian key ID, then the digest over every byte
// before the trailer: H(key || packet), a plain hash, not an HMAC, or
// AES-CMAC(key, packet) for AES128 keys.  In NTPv4 the digest is cut to 20
// bytes (a SHA-1, SHA-256 or SHA-512 key gives a 24-byte trailer, an AES128
// CMAC of 16 bytes a 20-byte one); earlier versions carry up to 64.  A bare
// key ID of 0 is a crypto-NAK.  Where the trailer starts is decode()'s job
// (RFC 7822 §7.5); computing the MAC is not the codec's: the os layer
// (libsodium, libcrypto) or the firmware (mbedTLS) does it.  Freestanding,
// like the rest of the codec.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "codec/ntp_packet.hpp"

namespace lansync::codec {

inline constexpr size_t kKeyIdSize = 4;
// Digest bytes carried in an NTPv4 MAC (chrony's NTP_MAX_V4_MAC_LENGTH - 4).
inline constexpr size_t kMaxV4DigestSize = kMaxV4MacSize - kKeyIdSize;
// Digest bytes carried in an NTPv1..3 MAC, the most a trailer can hold.
inline constexpr size_t kMaxDigestSize = kMaxV3MacSize - kKeyIdSize;

enum class MacKind : uint8_t {
  None,       // no trailer: an unauthenticated packet
  CryptoNak,  // a bare key ID of 0: "I could not authenticate you"
  Mac,        // key ID and digest
  Malformed,  // a bare key ID other than 0: a digest is missing
};

// The trailer of a decoded packet, pointing into the packet.
struct MacTrailer {
  MacKind kind = MacKind::None;
  uint32_t key_id = 0;              // when kind is Mac
  size_t signed_size = 0;           // bytes the digest covers: the packet before the trailer
  const uint8_t* digest = nullptr;  // when kind is Mac
  size_t digest_size = 0;           // 16..20 in NTPv4, up to 64 before
};

// Reads the trailer that decode() located in data (layout from decode(data, ...)).
MacTrailer read_mac(const uint8_t* data, const PacketLayout& layout);

// Digest bytes a MAC carries for a key whose whole MAC is mac_size bytes, in a
// packet of the given version: mac_size, but at most 20 in NTPv4 and at most
// 64 before (chrony, ntpsec).  AES128 CMAC: 16; SHA-1: 20; SHA-256: 20 or 32.
size_t mac_digest_size(uint8_t version, size_t mac_size);

// Appends key_id and digest[0..digest_size) at packet + size.  Returns the new
// packet size, or 0 if cap is too small or digest_size exceeds kMaxDigestSize.
size_t append_mac(uint8_t* packet, size_t size, size_t cap, uint32_t key_id, const uint8_t* digest,
                  size_t digest_size);

}  // namespace lansync::codec
