// Symmetric NTP keys as a key file writes them: the key types, and one line of the file parsed.
//
// The key file is chrony's (`ID TYPE KEY`, KEY as `HEX:digits`, `ASCII:text`
// or bare text) or ntpsec's ntp.keys (`keyno type key`, a bare key of more
// than 20 characters, all hex, being hex); see lansync-keys(5).  The types
// are those RFC 8573 and chrony use that lansync computes: SHA1, SHA256,
// SHA512 (MAC = H(key || packet)) and AES128 (AES-CMAC, RFC 4493), under
// chrony's and ntpsec's names.  parse_key_line() holds every rule of a line,
// once: sntpd's key ring (os/crypto_keys, which adds the file, its permissions,
// duplicate IDs and the messages) and the boards (a line of the server's file
// in their settings) both call it.  Freestanding, like the codec: no heap, no
// library; the key goes only where the caller says (secure memory on the Pi).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace lansync::proto {

enum class KeyType : uint8_t { Sha256, Sha512, Sha1, Aes128 };

// "SHA256", "SHA512", "SHA1" or "AES128", as chrony spells them.
const char* key_type_name(KeyType t);
// The name in ntpsec's ntp.keys: chrony's, but "AES" for AES128 (ntpsec reads no "AES128").
const char* ntpsec_key_type_name(KeyType t);
// MAC bytes before any truncation: 32 (SHA256), 64 (SHA512), 20 (SHA1), 16 (AES128 CMAC).
size_t key_mac_size(KeyType t);
// The largest of them: SHA-512's 64 bytes.
inline constexpr size_t kMaxMacSize = 64;
// Key bytes the type requires: 16 for AES128 (as chrony), 0 for any length.
size_t key_required_size(KeyType t);
// The type name[0..size) (case-insensitive): chrony's names, ntpsec's AES,
// AES-128 and AES128CMAC for AES128 and SHA-1 for SHA1.  False for any other.
bool parse_key_type(const char* name, size_t size, KeyType* out);

// Key lengths a key file may give, in bytes.
inline constexpr size_t kMaxKeySize = 64;
// ntpsec takes at most 32 bytes (a longer bare hex key it cuts).
inline constexpr size_t kMaxNtpsecKeySize = 32;
// chrony warns below 80 bits (MIN_SECURE_KEY_LENGTH); so do we.
inline constexpr size_t kMinSecureKeySize = 10;
// Key ID limits: chrony takes 1..2^32-1, ntpsec 1..65535.
inline constexpr uint32_t kMaxNtpsecKeyId = 65535;

// One key, in a fixed buffer.  id 0: no key.
struct Key {
  uint32_t id = 0;  // 1..2^32-1
  KeyType type = KeyType::Sha256;
  uint8_t size = 0;  // bytes used of bytes
  uint8_t bytes[kMaxKeySize] = {};
};

// What parse_key_line() made of a line, in the order the rules are applied.
enum class KeyLineStatus : uint8_t {
  Ok,              // the key is in *out
  Empty,           // blank, or a comment: no key
  HashInField,     // a '#' inside a field: ntpsec starts a comment there, chrony does not
  BadId,           // the ID is not 1..4294967295
  NoTypeNoKey,     // an ID alone
  NoType,          // "ID KEY": an MD5 key to chrony (and refused)
  ExtraText,       // more than three fields
  UnknownType,     // not one of the four types (type_field names it)
  BareHexTooLong,  // a bare hex key over 32 bytes: ntpsec cuts it, chrony reads text
  BadHex,          // after HEX: (or bare hex), no digits, an odd number or a non-hex digit
  EmptyKey,        // nothing after ASCII:
  TooLong,         // more than kMaxKeySize bytes
  WrongSize,       // not the size the type requires (an AES128 key is 16 bytes)
};
// A short reason: "ok", "no key", "bad key ID (1 to 4294967295)", ...
const char* describe(KeyLineStatus s);

// A line's fields and findings, for the caller's messages; no key byte in it.
// The fields point into the line parsed.
struct KeyLine {
  KeyLineStatus status = KeyLineStatus::Empty;
  uint32_t id = 0;                 // the ID, for every status after BadId (else 0)
  KeyType type = KeyType::Sha256;  // the type, for Ok and every status after UnknownType
  const char* id_field = nullptr;  // the ID and type fields as written (not NUL-ended)
  size_t id_field_size = 0;
  const char* type_field = nullptr;
  size_t type_field_size = 0;
  size_t key_size = 0;         // bytes the key decodes to (Ok, TooLong, WrongSize)
  size_t bare_hex_digits = 0;  // > 0: a bare key read as hex, as ntpsec does (chrony: as text)
};

// Parses line[0..size) (it need not end in NUL; a '\n' counts as space).
// Writes the key into *out only when the status is Ok; otherwise *out is
// left as it was.
KeyLine parse_key_line(const char* line, size_t size, Key* out);

}  // namespace lansync::proto
