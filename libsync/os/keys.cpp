// Key files and MACs with libsodium and libcrypto; see keys.hpp.
#include "os/keys.hpp"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "os/fd.hpp"

namespace lansync::os {

struct KeyRing::Entry {
  uint32_t id;
  KeyType type;
  uint8_t size;
  uint8_t key[kMaxKeySize];
};

namespace {

// A key file is a few lines per key; anything larger is not one.
constexpr size_t kMaxKeyFileSize = 64 * 1024;
constexpr size_t kMaxKeys = 1024;
// Bare keys up to this length are text for chrony and ntpsec alike (ntpsec's "Bug 2537" rule).
constexpr size_t kMaxBareTextKey = 20;
constexpr size_t kMaxNtpsecKeySize = 32;

// Memory from sodium_malloc, freed (and wiped) by sodium_free.
struct SecureBuffer {
  void* p = nullptr;
  explicit SecureBuffer(size_t size) : p(sodium_malloc(size)) {}
  ~SecureBuffer() {
    if (p != nullptr) sodium_free(p);
  }
  SecureBuffer(const SecureBuffer&) = delete;
  SecureBuffer& operator=(const SecureBuffer&) = delete;
};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool all_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return hex_value(c) >= 0; });
}

// Decodes hex digits into out; false on a non-hex digit or an odd count.
bool decode_hex(std::string_view s, uint8_t* out) {
  if (s.size() % 2 != 0) return false;
  for (size_t i = 0; i < s.size(); i += 2) {
    int hi = hex_value(s[i]);
    int lo = hex_value(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i / 2] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

// Types that chrony or ntpsec know and this build does not compute.
bool is_known_unsupported(const std::string& t) {
  static const char* const kNames[] = {
      "SHA",      "SHA224",   "SHA384",     "SHA512-224", "SHA512-256", "SHA3-224",   "SHA3-256",
      "SHA3-384", "SHA3-512", "RMD160",     "RIPEMD160",  "TIGER",      "AES192",     "AES-192",
      "AES256",   "AES-256",  "AES256CMAC", "CMAC",       "SM3",        "BLAKE2B512", "BLAKE2S256"};
  return std::any_of(std::begin(kNames), std::end(kNames), [&](const char* n) { return t == n; });
}

// Why MD5 keys are refused, and what to make instead (after "... is refused: ").
std::string md5_refusal(uint32_t id) {
  std::string n = std::to_string(id);
  std::string why = "RFC 8573 deprecates MD5 for NTP and MD5 is broken (collisions); ";
  std::string how = "chronyc keygen " + n + " AES128, or ntpprobe keygen --type AES128 --id " + n;
  return why + "make a SHA1 or AES128 key instead: " + how;
}

// Why a line of type name (not one this build computes) is left out.
std::string type_problem(std::string_view name, uint32_t id) {
  std::string u = upper(name);
  std::string type = "type " + std::string(name);
  if (u == "MD5") return type + " is refused: " + md5_refusal(id);
  if (u[0] == 'M') return type + " (MD5 to ntpsec) is refused: " + md5_refusal(id);
  if (!is_known_unsupported(u))
    return "unknown key " + type + " (this build supports SHA1, SHA256, SHA512, AES128)";
  return type + " is not supported by this build (it computes SHA1, SHA256, SHA512 and AES128 CMAC)";
}

// The whitespace-separated tokens of a line, up to a comment.  A '#' inside a
// token is refused: ntpsec ends the key there, chrony keeps it.
bool tokenize(std::string_view line, std::vector<std::string_view>* tokens, std::string* why) {
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    if (i >= line.size() || line[i] == '#') break;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
      if (line[i] == '#') {
        *why = "'#' inside a key: ntpsec reads it as the start of a comment, chrony as part of the key";
        return false;
      }
      ++i;
    }
    tokens->push_back(line.substr(start, i - start));
  }
  return true;
}

bool parse_key_id(std::string_view s, uint32_t* out) {
  if (s.empty() || s.size() > 10) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v == 0 || v > UINT32_MAX) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

// Decodes the key token into e; on failure *why says why.  *warning is set for
// a key that chrony and ntpsec would read differently.
bool decode_key(std::string_view token, KeyRing::Entry* e, std::string* why, std::string* warning) {
  std::string_view text;
  bool hex = false;
  if (token.substr(0, 4) == "HEX:") {
    hex = true;
    text = token.substr(4);
  } else if (token.substr(0, 6) == "ASCII:") {
    text = token.substr(6);
  } else if (token.size() <= kMaxBareTextKey || !all_hex(token)) {
    text = token;  // text for both (<= 20), or for chrony only (ntpsec refuses a non-hex long key)
  } else {
    // ntpsec's rule: a bare key longer than 20 characters is hex.
    if (token.size() > 2 * kMaxNtpsecKeySize) {
      *why =
          "bare hex key longer than 32 bytes: ntpsec cuts it to 32, chrony reads it as text; write it "
          "with HEX: for chrony and sntpd";
      return false;
    }
    hex = true;
    text = token;
    // No digit of the key goes into the message: it may end up in a log.
    *warning = "bare " + std::to_string(token.size()) +
               "-digit key read as hex, as ntpsec does; chrony would read it as text: give chrony the same "
               "digits after HEX:";
  }
  if (hex) {
    if (text.empty() || text.size() % 2 != 0 || !all_hex(text)) {
      *why = "bad hex key (an even number of 0-9/a-f digits expected)";
      return false;
    }
    if (text.size() / 2 > kMaxKeySize) {
      *why = "key longer than " + std::to_string(kMaxKeySize) + " bytes";
      return false;
    }
    decode_hex(text, e->key);
    e->size = static_cast<uint8_t>(text.size() / 2);
  } else {
    if (text.empty()) {
      *why = "empty key";
      return false;
    }
    if (text.size() > kMaxKeySize) {
      *why = "key longer than " + std::to_string(kMaxKeySize) + " bytes";
      return false;
    }
    std::memcpy(e->key, text.data(), text.size());
    e->size = static_cast<uint8_t>(text.size());
  }
  return true;
}

// Whether e's key has the length its type requires; else *why says so.
bool check_key_size(const KeyRing::Entry& e, std::string* why) {
  size_t need = key_required_size(e.type);
  if (need == 0 || e.size == need) return true;
  *why = "an " + std::string(key_type_name(e.type)) + " key must be exactly " + std::to_string(need) +
         " bytes (" + std::to_string(2 * need) + " hex digits after HEX:), this one has " +
         std::to_string(e.size) + " (chrony refuses it too; chronyc keygen " + std::to_string(e.id) +
         " AES128 makes one)";
  return false;
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
    case KeyType::Sha256: return crypto_hash_sha256_BYTES;
    case KeyType::Sha512: return crypto_hash_sha512_BYTES;
    case KeyType::Sha1: return 20;
    case KeyType::Aes128: return 16;
  }
  return 0;
}

size_t key_required_size(KeyType t) { return t == KeyType::Aes128 ? 16 : 0; }

bool parse_key_type(std::string_view name, KeyType* out) {
  static const std::pair<const char*, KeyType> kNames[] = {
      {"SHA256", KeyType::Sha256},     {"SHA512", KeyType::Sha512}, {"SHA1", KeyType::Sha1},
      {"AES128", KeyType::Aes128},     {"AES", KeyType::Aes128},    {"AES-128", KeyType::Aes128},
      {"AES128CMAC", KeyType::Aes128}, {"SHA-1", KeyType::Sha1}};
  std::string u = upper(name);
  for (const auto& [n, t] : kNames) {
    if (u == n) {
      *out = t;
      return true;
    }
  }
  return false;
}

OsResult<std::unique_ptr<KeyRing>> KeyRing::parse(std::string_view text, const std::string& source) {
  if (sodium_init() < 0) return invalid("libsodium failed to initialize");
  size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  size_t capacity = std::min(lines, kMaxKeys);
  SecureBuffer scratch(capacity * sizeof(Entry));
  if (scratch.p == nullptr) return errno_error("cannot allocate secure memory for " + source);
  auto* parsed = static_cast<Entry*>(scratch.p);
  std::vector<int> line_of;  // parsed[i] came from line line_of[i]

  std::unique_ptr<KeyRing> ring(new KeyRing);
  ring->source_ = source;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    auto problem = [&](uint32_t id, const std::string& what) {
      std::string prefix = id != 0 ? "key " + std::to_string(id) + ": " : "";
      ring->problems_.push_back({line_no, id, true, prefix + what});
    };

    std::vector<std::string_view> tok;
    std::string why;
    if (!tokenize(line, &tok, &why)) {
      problem(0, why);
      continue;
    }
    if (tok.empty()) continue;
    uint32_t id = 0;
    if (!parse_key_id(tok[0], &id)) {
      problem(0, "bad key ID '" + std::string(tok[0]) + "' (1 to 4294967295 expected; 0 is reserved)");
      continue;
    }
    if (tok.size() == 2) {
      problem(id, "no key type: an MD5 key to chrony, refused: " + md5_refusal(id));
      continue;
    }
    if (tok.size() != 3) {
      problem(id, tok.size() == 1 ? "no key type and no key" : "unexpected text after the key");
      continue;
    }
    KeyType type;
    if (!parse_key_type(tok[1], &type)) {
      problem(id, type_problem(tok[1], id));
      continue;
    }
    auto dup = std::find_if(parsed, parsed + line_of.size(), [&](const Entry& e) { return e.id == id; });
    if (dup != parsed + line_of.size()) {
      problem(id, "duplicate key ID (first on line " +
                      std::to_string(line_of[static_cast<size_t>(dup - parsed)]) + ")");
      continue;
    }
    if (line_of.size() >= capacity) {
      problem(id, "more than " + std::to_string(kMaxKeys) + " keys");
      continue;
    }
    Entry& e = parsed[line_of.size()];
    e.id = id;
    e.type = type;
    std::string warning;
    if (!decode_key(tok[2], &e, &why, &warning) || !check_key_size(e, &why)) {
      sodium_memzero(&e, sizeof(e));
      problem(id, why);
      continue;
    }
    line_of.push_back(line_no);
    if (e.size < kMinSecureKeySize) {
      ring->problems_.push_back({line_no, id, false,
                                 "key " + std::to_string(id) + ": only " + std::to_string(e.size) +
                                     " bytes; use at least 10 (80 bits), better 32 (ntpprobe keygen)"});
    }
    if (!warning.empty())
      ring->problems_.push_back({line_no, id, false, "key " + std::to_string(id) + ": " + warning});
  }

  if (line_of.empty()) {
    std::string why = "no usable key in " + source;
    for (const KeyFileProblem& p : ring->problems_) {
      if (p.fatal) {
        why += " (line " + std::to_string(p.line) + ": " + p.message + ")";
        break;
      }
    }
    return invalid(why);
  }

  // Sort by ID through an index, so that no key byte is copied outside secure memory.
  std::vector<std::pair<uint32_t, size_t>> order;
  for (size_t i = 0; i < line_of.size(); ++i) order.emplace_back(parsed[i].id, i);
  std::sort(order.begin(), order.end());
  ring->entries_ = static_cast<Entry*>(sodium_malloc(order.size() * sizeof(Entry)));
  if (ring->entries_ == nullptr) return errno_error("cannot allocate secure memory for " + source);
  for (size_t i = 0; i < order.size(); ++i) {
    std::memcpy(&ring->entries_[i], &parsed[order[i].second], sizeof(Entry));
  }
  ring->count_ = order.size();
  sodium_mprotect_readonly(ring->entries_);
  return ring;
}

OsResult<std::unique_ptr<KeyRing>> KeyRing::load(const std::string& path, bool allow_insecure) {
  if (sodium_init() < 0) return invalid("libsodium failed to initialize");
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)};
  int fd = file.get();
  if (fd < 0) return errno_error("cannot open key file " + path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return errno_error("cannot read key file " + path);
  if (!S_ISREG(st.st_mode)) return invalid("key file " + path + " is not a regular file");
  if ((st.st_mode & 077) != 0 && !allow_insecure) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return invalid("key file " + path + " may be accessed by group or others (mode " + mode +
                   "): chmod 600 " + path + ", or give --insecure-keys");
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxKeyFileSize) {
    return invalid("key file " + path + " is larger than 64 KiB: not a key file");
  }
  SecureBuffer text(kMaxKeyFileSize + 1);
  if (text.p == nullptr) return errno_error("cannot allocate secure memory for " + path);
  auto* buf = static_cast<char*>(text.p);
  size_t size = 0;
  while (size <= kMaxKeyFileSize) {
    ssize_t n = ::read(fd, buf + size, kMaxKeyFileSize + 1 - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("cannot read key file " + path);
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  if (size > kMaxKeyFileSize) return invalid("key file " + path + " is larger than 64 KiB: not a key file");
  return parse(std::string_view(buf, size), path);
}

KeyRing::~KeyRing() {
  if (entries_ != nullptr) sodium_free(entries_);  // wipes the keys
}

std::vector<uint32_t> KeyRing::ids() const {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < count_; ++i) out.push_back(entries_[i].id);
  return out;
}

const KeyRing::Entry* KeyRing::entry(uint32_t key_id) const {
  const Entry* begin = entries_;
  const Entry* end = entries_ + count_;
  const Entry* e =
      std::lower_bound(begin, end, key_id, [](const Entry& x, uint32_t id) { return x.id < id; });
  return e != end && e->id == key_id ? e : nullptr;
}

bool KeyRing::find(uint32_t key_id, KeyType* type) const {
  const Entry* e = entry(key_id);
  if (e != nullptr && type != nullptr) *type = e->type;
  return e != nullptr;
}

std::string KeyRing::why_missing(uint32_t key_id) const {
  for (const KeyFileProblem& p : problems_) {
    if (p.fatal && p.key_id == key_id) return source_ + ":" + std::to_string(p.line) + ": " + p.message;
  }
  return "no key " + std::to_string(key_id) + " in " + source_;
}

size_t KeyRing::mac_size(uint32_t key_id) const {
  const Entry* e = entry(key_id);
  return e != nullptr ? key_mac_size(e->type) : 0;
}

namespace {

// H(key || data) with one of libsodium's SHA-2 streaming APIs; the state holds
// key material once the key is absorbed, so it is wiped.
template <class State, int (*Init)(State*), int (*Update)(State*, const unsigned char*, unsigned long long),
          int (*Final)(State*, unsigned char*)>
void sha2(const uint8_t* key, size_t key_size, const uint8_t* data, size_t size, uint8_t* out) {
  State st;
  Init(&st);
  Update(&st, key, key_size);
  Update(&st, data, size);
  Final(&st, out);
  sodium_memzero(&st, sizeof(st));
}

// SHA-1(key || data) with libcrypto.  Freeing the context wipes its state,
// which holds key material once the key is absorbed.
bool sha1(const uint8_t* key, size_t key_size, const uint8_t* data, size_t size, uint8_t* out) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, key, key_size) == 1 && EVP_DigestUpdate(ctx, data, size) == 1 &&
            EVP_DigestFinal_ex(ctx, out, nullptr) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

// AES-128-CMAC(key, data) (RFC 4493) with libcrypto's EVP_MAC; key is 16
// bytes.  A context per MAC, so that the expanded key lives only meanwhile:
// freeing it wipes the cipher context and the CMAC subkeys.
bool aes128_cmac(const uint8_t* key, const uint8_t* data, size_t size, uint8_t* out) {
  static EVP_MAC* const cmac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);  // the algorithm: no key in it
  char cipher[] = "AES-128-CBC";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
                               OSSL_PARAM_construct_end()};
  EVP_MAC_CTX* ctx = cmac != nullptr ? EVP_MAC_CTX_new(cmac) : nullptr;
  size_t written = 0;
  bool ok = ctx != nullptr && EVP_MAC_init(ctx, key, 16, params) == 1 &&
            EVP_MAC_update(ctx, data, size) == 1 && EVP_MAC_final(ctx, out, &written, 16) == 1 &&
            written == 16;
  EVP_MAC_CTX_free(ctx);
  return ok;
}

}  // namespace

bool KeyRing::mac(const Entry& e, const uint8_t* data, size_t size, uint8_t* out) {
  switch (e.type) {
    case KeyType::Sha256:
      sha2<crypto_hash_sha256_state, crypto_hash_sha256_init, crypto_hash_sha256_update,
           crypto_hash_sha256_final>(e.key, e.size, data, size, out);
      return true;
    case KeyType::Sha512:
      sha2<crypto_hash_sha512_state, crypto_hash_sha512_init, crypto_hash_sha512_update,
           crypto_hash_sha512_final>(e.key, e.size, data, size, out);
      return true;
    case KeyType::Sha1: return sha1(e.key, e.size, data, size, out);
    case KeyType::Aes128: return aes128_cmac(e.key, data, size, out);
  }
  return false;
}

bool KeyRing::compute(uint32_t key_id, const uint8_t* data, size_t size, uint8_t* out,
                      size_t digest_size) const {
  const Entry* e = entry(key_id);
  uint8_t full[crypto_hash_sha512_BYTES];
  if (e == nullptr || digest_size > key_mac_size(e->type) || !mac(*e, data, size, full)) return false;
  std::memcpy(out, full, digest_size);
  return true;
}

std::string generate_key_line(uint32_t key_id, KeyType type, size_t key_size, std::string* ntpsec_line) {
  if (sodium_init() < 0) std::abort();  // cannot happen on Linux: it only sets up CPU features
  if (key_size > kMaxNtpsecKeySize) key_size = kMaxNtpsecKeySize;
  if (key_required_size(type) != 0) key_size = key_required_size(type);
  uint8_t key[kMaxNtpsecKeySize];
  randombytes_buf(key, key_size);
  char hex[2 * kMaxNtpsecKeySize + 1];
  sodium_bin2hex(hex, sizeof(hex), key, key_size);
  sodium_memzero(key, sizeof(key));
  std::string id = std::to_string(key_id) + " ";
  std::string line = id + key_type_name(type) + " HEX:" + hex;
  if (ntpsec_line != nullptr) *ntpsec_line = id + ntpsec_key_type_name(type) + " " + hex;
  sodium_memzero(hex, sizeof(hex));
  return line;
}

}  // namespace lansync::os
