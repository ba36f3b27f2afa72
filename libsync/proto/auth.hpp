// NTP symmetric-key authentication as the request and reply paths apply it, on the Pi and the boards.
//
// RFC 5905 §7.3 / RFC 8573 MACs, as chrony and ntpsec compute them: the
// digest is H(key || packet) (SHA1, SHA256, SHA512) or AES-CMAC(key, packet)
// (AES128) over the packet before its trailer, cut to 20 bytes in NTPv4
// (codec/mac.hpp).  Computing a MAC is behind MacKeys, a callback, so that
// this layer stays freestanding: the os layer implements it with libsodium
// and libcrypto (os/crypto_keys.hpp), the boards with their port's hash
// (firmware/board/auth.hpp).  check_auth() tells whether a decoded packet is
// signed, and by a key we hold; sign_packet() appends a MAC.  Freestanding,
// like the codec: sntpd, ntpprobe and the firmware compile this one file.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "codec/mac.hpp"
#include "codec/ntp_packet.hpp"

namespace lansync::proto {

// A set of symmetric keys, each with its MAC function, by key ID.  An
// implementation overrides mac_size() and compute(); the defaults hold no key.
class MacKeys {
 public:
  // Bytes of key key_id's whole MAC, before the codec cuts it (16 for
  // AES128 CMAC, 20 for SHA-1, 32 for SHA-256, 64 for SHA-512); 0: no such key.
  virtual size_t mac_size(uint32_t key_id) const {
    (void)key_id;
    return 0;
  }
  // Writes the key's MAC of data[0..size) (H(key || data), or CMAC(key,
  // data)) cut to digest_size bytes (at most mac_size) into out.  False if
  // there is no such key, or the MAC could not be computed.
  virtual bool compute(uint32_t key_id, const uint8_t* data, size_t size, uint8_t* out,
                       size_t digest_size) const {
    (void)key_id, (void)data, (void)size, (void)out, (void)digest_size;
    return false;
  }
  // Whether digest[0..digest_size) is the key's MAC of data[0..size) cut to
  // digest_size (1..mac_size), compared in constant time.  False if there is no such key.
  bool verify(uint32_t key_id, const uint8_t* data, size_t size, const uint8_t* digest,
              size_t digest_size) const;

 protected:
  // Not deleted through this interface: no virtual destructor, so that a
  // freestanding build needs no operator delete.
  ~MacKeys() = default;
};

// Whether a[0..n) equals b[0..n), in time that depends on n only.
bool equal_constant_time(const uint8_t* a, const uint8_t* b, size_t n);

enum class AuthStatus : uint8_t {
  Unsigned,    // no MAC trailer
  CryptoNak,   // a bare key ID 0: the peer could not authenticate us
  Ok,          // a MAC by a key we hold, and it verifies
  UnknownKey,  // a MAC by a key ID we do not hold (or no keys at all)
  BadMac,      // a MAC that does not verify, has the wrong length or lacks its digest
};

// "unsigned", "crypto-NAK", "ok", "unknown key", "bad MAC".
const char* describe(AuthStatus s);

struct AuthCheck {
  AuthStatus status = AuthStatus::Unsigned;
  uint32_t key_id = 0;  // the trailer's key ID, when there is one
};

// Checks the MAC of a packet that codec::decode() laid out.  keys may be
// null (no keys loaded: every MAC is by an unknown key).  The digest must be
// exactly codec::mac_digest_size() bytes for the packet's version and the
// key's MAC size, as chrony requires.
AuthCheck check_auth(const uint8_t* packet, const codec::PacketLayout& layout, const MacKeys* keys);

// Bytes a MAC trailer by key_id adds to a packet of the given version (key ID
// included); 0 if there is no such key.
size_t mac_trailer_size(const MacKeys& keys, uint32_t key_id, uint8_t version);

// Signs packet[0..size) with key_id: appends the key ID and the digest for the
// packet's version (byte 0).  Returns the new size, or 0 if there is no such
// key, the MAC failed or cap leaves no room.
size_t sign_packet(uint8_t* packet, size_t size, size_t cap, uint32_t key_id, const MacKeys& keys);

}  // namespace lansync::proto
