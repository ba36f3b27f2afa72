// The board's NTP symmetric key: signing requests and replies, checking what comes back.
//
// RFC 5905 §7.3 / RFC 8573 MACs as chrony and ntpsec compute them: a 4-byte
// key ID, then H(key || packet) cut to the codec's digest length
// (codec/mac.hpp holds the placement and length rules; this file only
// applies them).  The board holds one key, in a fixed buffer; the hash is the
// port's (mbedTLS on the ESP boards, libsodium in lansync-board), plugged in
// as a function pointer, so that the core stays freestanding.  Digests are
// compared in constant time.  No heap, no floating point.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "codec/ntp_packet.hpp"

namespace lansync::fw {

enum class HashType : uint8_t { Sha256, Sha512 };
// Hash bytes: 32 (SHA-256) or 64 (SHA-512).
size_t hash_size(HashType t);

// Key bytes a board holds at most (chrony's and ntpsec's keys fit).
inline constexpr size_t kMaxKeyBytes = 64;
// The largest hash a port computes (SHA-512).
inline constexpr size_t kMaxHashBytes = 64;

struct MacKey;
// The port's hash: writes H(key.bytes || data[0..size)), hash_size(key.type)
// bytes, into out; false if it could not.  A port whose keys live elsewhere
// (lansync-board: libsodium secure memory) may hash by key.id instead.
using HashFunction = bool (*)(void* context, const MacKey& key, const uint8_t* data, size_t size,
                              uint8_t* out);

// The board's key.  id 0 means none: nothing is signed or checked.
struct MacKey {
  uint32_t id = 0;  // 1..2^32-1, as in the server's key file
  HashType type = HashType::Sha256;
  uint8_t bytes[kMaxKeyBytes] = {};
  size_t size = 0;  // bytes used
  HashFunction hash = nullptr;
  void* context = nullptr;
  bool enabled() const { return id != 0 && hash != nullptr; }
};

// What the MAC of a received packet says.
enum class MacCheck : uint8_t {
  Ok,          // signed with our key, and it verifies
  Unsigned,    // no MAC (or a crypto-NAK)
  UnknownKey,  // signed with another key ID
  BadMac,      // our key ID, but the digest is wrong, of the wrong length or missing
};
// "ok", "unsigned", "unknown key", "bad MAC".
const char* describe(MacCheck c);

// Checks the MAC of a packet laid out by codec::decode() against key.
MacCheck check_mac(const MacKey& key, const uint8_t* packet, const codec::PacketLayout& layout);

// Bytes the MAC trailer adds to a packet of the given version (key ID included).
size_t mac_trailer_size(const MacKey& key, uint8_t version);

// Signs packet[0..size) (its version from byte 0): appends key ID and digest.
// Returns the new size, or 0 if cap leaves no room or the hash failed.
size_t sign(const MacKey& key, uint8_t* packet, size_t size, size_t cap);

// What parse_key_line made of a key file line.
enum class KeyLine : uint8_t {
  Ok,           // *out holds the key (id, type, bytes; hash and context untouched)
  Empty,        // blank or a comment: no key (the board runs without authentication)
  BadId,        // the ID is not 1..4294967295
  BadType,      // not SHA256 or SHA512 (the types a board hashes)
  BadKey,       // missing, odd or non-hex digits after HEX:, a '#' inside, or extra fields
  TooLong,      // more than kMaxKeyBytes bytes (or, bare hex, than ntpsec's 32)
};
// "ok", "no key", "bad key ID", ...
const char* describe(KeyLine k);

// Parses one line of the server's key file, as chrony and sntpd read it
// ("ID TYPE KEY", KEY as HEX:digits, ASCII:text or bare text; a bare key of
// more than 20 hex digits is hex, as ntpsec reads it, libsync/os/keys), into
// out's id, type, bytes and size.  size: the line's length (it need not end
// in NUL).  On anything but Ok, out is left as it was.
KeyLine parse_key_line(const char* line, size_t size, MacKey* out);

}  // namespace lansync::fw
