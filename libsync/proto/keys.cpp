// Key types and key file lines, shared by the Pi and the boards; see keys.hpp.
#include "proto/keys.hpp"

namespace lansync::proto {
namespace {

// Bare keys up to this length are text for chrony and ntpsec alike (ntpsec's "Bug 2537" rule).
constexpr size_t kMaxBareTextKey = 20;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool all_hex(const char* s, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (hex_value(s[i]) < 0) return false;
  }
  return true;
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

bool starts_with(const char* s, size_t n, const char* prefix) {
  size_t i = 0;
  for (; prefix[i] != '\0'; ++i) {
    if (i >= n || s[i] != prefix[i]) return false;
  }
  return true;
}

// A line's whitespace-separated fields up to a comment: the first three and
// how many there are.  False for a '#' inside a field (chrony and ntpsec
// disagree on it), wherever on the line.
struct Fields {
  const char* text[3] = {};
  size_t size[3] = {};
  size_t count = 0;
};
bool split_fields(const char* s, size_t n, Fields* f) {
  size_t i = 0;
  while (true) {
    while (i < n && is_space(s[i])) ++i;
    if (i >= n || s[i] == '#') return true;
    size_t start = i;
    while (i < n && !is_space(s[i])) {
      if (s[i] == '#') return false;
      ++i;
    }
    if (f->count < 3) {
      f->text[f->count] = s + start;
      f->size[f->count] = i - start;
    }
    ++f->count;
  }
}

bool parse_key_id(const char* s, size_t n, uint32_t* out) {
  if (n == 0 || n > 10) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<uint64_t>(s[i] - '0');
  }
  if (v == 0 || v > 0xffffffffu) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

// Where the key's bytes are in its field, and how they are written.
struct KeyText {
  const char* text;
  size_t size;
  bool hex;
};

// Reads the KEY field's form (HEX:, ASCII:, bare text or ntpsec's bare hex)
// and checks it, filling line's key_size and bare_hex_digits.
KeyLineStatus read_key_field(const char* s, size_t n, KeyLine* line, KeyText* key) {
  *key = KeyText{s, n, false};
  if (starts_with(s, n, "HEX:")) {
    *key = KeyText{s + 4, n - 4, true};
  } else if (starts_with(s, n, "ASCII:")) {
    *key = KeyText{s + 6, n - 6, false};
  } else if (n > kMaxBareTextKey && all_hex(s, n)) {
    // ntpsec's rule: a bare key longer than 20 characters, all hex, is hex.
    if (n > 2 * kMaxNtpsecKeySize) return KeyLineStatus::BareHexTooLong;
    key->hex = true;
    line->bare_hex_digits = n;
  }
  if (key->hex) {
    if (key->size == 0 || key->size % 2 != 0 || !all_hex(key->text, key->size)) return KeyLineStatus::BadHex;
    line->key_size = key->size / 2;
  } else {
    if (key->size == 0) return KeyLineStatus::EmptyKey;
    line->key_size = key->size;
  }
  if (line->key_size > kMaxKeySize) return KeyLineStatus::TooLong;
  size_t need = key_required_size(line->type);
  if (need != 0 && line->key_size != need) return KeyLineStatus::WrongSize;
  return KeyLineStatus::Ok;
}

// Writes the checked key into out.
void store_key(const KeyLine& line, const KeyText& key, Key* out) {
  out->id = line.id;
  out->type = line.type;
  out->size = static_cast<uint8_t>(line.key_size);
  for (size_t i = 0; i < kMaxKeySize; ++i) {
    uint8_t b = 0;
    if (i < line.key_size) {
      b = key.hex ? static_cast<uint8_t>(hex_value(key.text[2 * i]) << 4 | hex_value(key.text[2 * i + 1]))
                  : static_cast<uint8_t>(key.text[i]);
    }
    out->bytes[i] = b;
  }
}

}  // namespace

const char* key_type_name(KeyType t) {
  switch (t) {
    case KeyType::Sha256: return "SHA256";
    case KeyType::Sha512: return "SHA512";
    case KeyType::Sha1: return "SHA1";
    case KeyType::Aes128: return "AES128";
  }
  return "?";
}

const char* ntpsec_key_type_name(KeyType t) { return t == KeyType::Aes128 ? "AES" : key_type_name(t); }

size_t key_mac_size(KeyType t) {
  switch (t) {
    case KeyType::Sha256: return 32;
    case KeyType::Sha512: return 64;
    case KeyType::Sha1: return 20;
    case KeyType::Aes128: return 16;
  }
  return 0;
}

size_t key_required_size(KeyType t) { return t == KeyType::Aes128 ? 16 : 0; }

bool parse_key_type(const char* name, size_t size, KeyType* out) {
  static constexpr struct {
    const char* name;
    KeyType type;
  } kNames[] = {{"SHA256", KeyType::Sha256},     {"SHA512", KeyType::Sha512}, {"SHA1", KeyType::Sha1},
                {"AES128", KeyType::Aes128},     {"AES", KeyType::Aes128},    {"AES-128", KeyType::Aes128},
                {"AES128CMAC", KeyType::Aes128}, {"SHA-1", KeyType::Sha1}};
  for (const auto& n : kNames) {
    if (equal_text(name, size, n.name)) {
      *out = n.type;
      return true;
    }
  }
  return false;
}

const char* describe(KeyLineStatus s) {
  switch (s) {
    case KeyLineStatus::Ok: return "ok";
    case KeyLineStatus::Empty: return "no key";
    case KeyLineStatus::HashInField: return "'#' inside a field";
    case KeyLineStatus::BadId: return "bad key ID (1 to 4294967295)";
    case KeyLineStatus::NoTypeNoKey: return "no key type and no key";
    case KeyLineStatus::NoType: return "no key type (an MD5 key to chrony)";
    case KeyLineStatus::ExtraText: return "unexpected text after the key";
    case KeyLineStatus::UnknownType: return "key type not SHA1, SHA256, SHA512 or AES128";
    case KeyLineStatus::BareHexTooLong: return "bare hex key longer than 32 bytes (write it with HEX:)";
    case KeyLineStatus::BadHex: return "bad hex key (an even number of hex digits after HEX:)";
    case KeyLineStatus::EmptyKey: return "empty key";
    case KeyLineStatus::TooLong: return "key longer than 64 bytes";
    case KeyLineStatus::WrongSize: return "an AES128 key must be 16 bytes";
  }
  return "unknown";
}

KeyLine parse_key_line(const char* line, size_t size, Key* out) {
  KeyLine r;
  Fields f;
  if (!split_fields(line, size, &f)) {
    r.status = KeyLineStatus::HashInField;
    return r;
  }
  if (f.count == 0) return r;  // Empty
  r.id_field = f.text[0];
  r.id_field_size = f.size[0];
  if (!parse_key_id(f.text[0], f.size[0], &r.id)) {
    r.status = KeyLineStatus::BadId;
    return r;
  }
  if (f.count != 3) {
    r.status = f.count == 1   ? KeyLineStatus::NoTypeNoKey
               : f.count == 2 ? KeyLineStatus::NoType
                              : KeyLineStatus::ExtraText;
    return r;
  }
  r.type_field = f.text[1];
  r.type_field_size = f.size[1];
  if (!parse_key_type(f.text[1], f.size[1], &r.type)) {
    r.status = KeyLineStatus::UnknownType;
    return r;
  }
  KeyText key;
  r.status = read_key_field(f.text[2], f.size[2], &r, &key);
  if (r.status == KeyLineStatus::Ok) store_key(r, key, out);
  return r;
}

}  // namespace lansync::proto
