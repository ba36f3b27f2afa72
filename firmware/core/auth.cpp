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

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Whether a[0..n) is b, in any case (b upper case), as chrony reads a key type.
bool equal_text(const char* a, size_t n, const char* b) {
  size_t i = 0;
  for (; i < n && b[i] != '\0'; ++i) {
    char c = a[i] >= 'a' && a[i] <= 'z' ? static_cast<char>(a[i] - 'a' + 'A') : a[i];
    if (c != b[i]) return false;
  }
  return i == n && b[i] == '\0';
}

// The whitespace-separated fields of a line up to a comment, at most max;
// false for more, or a '#' inside a field (chrony and ntpsec disagree on it).
bool split_fields(const char* s, size_t n, const char** field, size_t* len, size_t max, size_t* count) {
  *count = 0;
  size_t i = 0;
  while (true) {
    while (i < n && is_space(s[i])) ++i;
    if (i >= n || s[i] == '#') return true;
    if (*count == max) return false;
    size_t start = i;
    while (i < n && !is_space(s[i])) {
      if (s[i] == '#') return false;
      ++i;
    }
    field[*count] = s + start;
    len[*count] = i - start;
    ++*count;
  }
}

bool all_hex(const char* s, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (hex_value(s[i]) < 0) return false;
  }
  return true;
}

// Decodes the KEY field into bytes/size.
KeyLine decode_key(const char* s, size_t n, uint8_t* bytes, size_t* size) {
  constexpr size_t kMaxBareText = 20, kMaxBareHexBytes = 32;
  bool hex = false;
  if (n >= 4 && s[0] == 'H' && s[1] == 'E' && s[2] == 'X' && s[3] == ':') {
    hex = true;
    s += 4;
    n -= 4;
  } else if (n >= 6 && s[0] == 'A' && s[1] == 'S' && s[2] == 'C' && s[3] == 'I' && s[4] == 'I' && s[5] == ':') {
    s += 6;
    n -= 6;
  } else if (n > kMaxBareText && all_hex(s, n)) {
    if (n > 2 * kMaxBareHexBytes) return KeyLine::TooLong;
    hex = true;
  }
  if (n == 0) return KeyLine::BadKey;
  if (!hex) {
    if (n > kMaxKeyBytes) return KeyLine::TooLong;
    for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<uint8_t>(s[i]);
    *size = n;
    return KeyLine::Ok;
  }
  if (n % 2 != 0 || !all_hex(s, n)) return KeyLine::BadKey;
  if (n / 2 > kMaxKeyBytes) return KeyLine::TooLong;
  for (size_t i = 0; i < n / 2; ++i) bytes[i] = static_cast<uint8_t>(hex_value(s[2 * i]) * 16 + hex_value(s[2 * i + 1]));
  *size = n / 2;
  return KeyLine::Ok;
}

}  // namespace

const char* describe(KeyLine k) {
  switch (k) {
    case KeyLine::Ok: return "ok";
    case KeyLine::Empty: return "no key";
    case KeyLine::BadId: return "bad key ID (1 to 4294967295)";
    case KeyLine::BadType: return "key type not SHA256 or SHA512";
    case KeyLine::BadKey: return "bad key (HEX: and an even number of hex digits, or ASCII:text)";
    case KeyLine::TooLong: return "key too long (64 bytes at most, 32 as bare hex)";
  }
  return "unknown";
}

KeyLine parse_key_line(const char* line, size_t size, MacKey* out) {
  const char* field[3];
  size_t len[3];
  size_t count = 0;
  if (!split_fields(line, size, field, len, 3, &count)) return KeyLine::BadKey;
  if (count == 0) return KeyLine::Empty;
  uint64_t id = 0;
  if (len[0] > 10) return KeyLine::BadId;
  for (size_t i = 0; i < len[0]; ++i) {
    if (field[0][i] < '0' || field[0][i] > '9') return KeyLine::BadId;
    id = id * 10 + static_cast<uint64_t>(field[0][i] - '0');
  }
  if (id == 0 || id > 0xffffffffu) return KeyLine::BadId;
  if (count < 2) return KeyLine::BadType;
  HashType type;
  if (equal_text(field[1], len[1], "SHA256")) {
    type = HashType::Sha256;
  } else if (equal_text(field[1], len[1], "SHA512")) {
    type = HashType::Sha512;
  } else {
    return KeyLine::BadType;
  }
  if (count < 3) return KeyLine::BadKey;
  uint8_t bytes[kMaxKeyBytes];
  size_t n = 0;
  KeyLine k = decode_key(field[2], len[2], bytes, &n);
  if (k != KeyLine::Ok) return k;
  out->id = static_cast<uint32_t>(id);
  out->type = type;
  for (size_t i = 0; i < kMaxKeyBytes; ++i) out->bytes[i] = i < n ? bytes[i] : 0;
  out->size = n;
  for (size_t i = 0; i < kMaxKeyBytes; ++i) bytes[i] = 0;
  return KeyLine::Ok;
}

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
