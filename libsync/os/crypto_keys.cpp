// Key files and MACs with libsodium and libcrypto; see crypto_keys.hpp.
#include "os/crypto_keys.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/params.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "os/fd.hpp"

namespace lansync::os {

namespace {

// A key file is a few lines per key; anything larger is not one.
constexpr size_t kMaxKeyFileSize = 64 * 1024;
constexpr size_t kMaxKeys = 1024;

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
  std::string type = "type " + os::shown(name);
  if (u == "MD5") return type + " is refused: " + md5_refusal(id);
  if (u[0] == 'M') return type + " (MD5 to ntpsec) is refused: " + md5_refusal(id);
  if (!is_known_unsupported(u))
    return "unknown key " + type + " (this build supports SHA1, SHA256, SHA512, AES128)";
  return type + " is not supported by this build (it computes SHA1, SHA256, SHA512 and AES128 CMAC)";
}

// The message for a line that parse_key_line() refused.
std::string line_problem(const proto::KeyLine& l) {
  using S = proto::KeyLineStatus;
  switch (l.status) {
    case S::Ok:
    case S::Empty: return "";
    case S::HashInField:
      return "'#' inside a key: ntpsec reads it as the start of a comment, chrony as part of the key";
    case S::BadId:
      return "bad key ID '" + os::shown(std::string_view(l.id_field, l.id_field_size)) +
             "' (1 to 4294967295 expected; 0 is reserved)";
    case S::NoTypeNoKey: return "no key type and no key";
    case S::NoType: return "no key type: an MD5 key to chrony, refused: " + md5_refusal(l.id);
    case S::ExtraText: return "unexpected text after the key";
    case S::UnknownType: return type_problem(std::string_view(l.type_field, l.type_field_size), l.id);
    case S::BareHexTooLong:
      return "bare hex key longer than 32 bytes: ntpsec cuts it to 32, chrony reads it as text; write it "
             "with HEX: for chrony and sntpd";
    case S::BadHex: return "bad hex key (an even number of 0-9/a-f digits expected)";
    case S::EmptyKey: return "empty key";
    case S::TooLong: return "key longer than " + std::to_string(proto::kMaxKeySize) + " bytes";
    case S::WrongSize: {
      size_t need = proto::key_required_size(l.type);
      return "an " + std::string(proto::key_type_name(l.type)) + " key must be exactly " +
             std::to_string(need) + " bytes (" + std::to_string(2 * need) +
             " hex digits after HEX:), this one has " + std::to_string(l.key_size) +
             " (chrony refuses it too; chronyc keygen " + std::to_string(l.id) + " AES128 makes one)";
    }
  }
  return "";
}

// Whether the line got as far as its key: its ID and type are known.
bool key_field_read(proto::KeyLineStatus s) {
  return s == proto::KeyLineStatus::Ok || s > proto::KeyLineStatus::UnknownType;
}

}  // namespace

bool KeyRing::add_line(std::string_view line, int line_no, Entry* slots, size_t capacity,
                       std::vector<int>* line_of) {
  Entry* slot = &slots[line_of->size()];
  proto::KeyLine l = proto::parse_key_line(line.data(), line.size(), slot);
  if (l.status == proto::KeyLineStatus::Empty) return false;
  std::string why = line_problem(l);
  if (key_field_read(l.status)) {
    // A duplicate or one key too many is said before what is wrong with the key itself.
    auto dup = std::find_if(slots, slots + line_of->size(), [&](const Entry& e) { return e.id == l.id; });
    if (dup != slots + line_of->size()) {
      why = "duplicate key ID (first on line " +
            std::to_string((*line_of)[static_cast<size_t>(dup - slots)]) + ")";
    } else if (line_of->size() >= capacity) {
      why = "more than " + std::to_string(kMaxKeys) + " keys";
    }
  }
  if (!why.empty()) {
    sodium_memzero(slot, sizeof(*slot));
    problems_.push_back({line_no, l.id, true, (l.id != 0 ? "key " + std::to_string(l.id) + ": " : "") + why});
    return false;
  }
  line_of->push_back(line_no);
  std::string key = "key " + std::to_string(l.id) + ": ";
  if (slot->size < proto::kMinSecureKeySize) {
    problems_.push_back({line_no, l.id, false,
                         key + "only " + std::to_string(slot->size) +
                             " bytes; use at least 10 (80 bits), better 32 (ntpprobe keygen)"});
  }
  if (l.bare_hex_digits > 0) {
    // No digit of the key goes into the message: it may end up in a log.
    problems_.push_back({line_no, l.id, false,
                         key + "bare " + std::to_string(l.bare_hex_digits) +
                             "-digit key read as hex, as ntpsec does; chrony would read it as text: give "
                             "chrony the same digits after HEX:"});
  }
  return true;
}

OsResult<std::unique_ptr<KeyRing>> KeyRing::parse(std::string_view text, const std::string& source) {
  if (sodium_init() < 0) return invalid("libsodium failed to initialize");
  size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  size_t capacity = std::min(lines, kMaxKeys);
  // One slot more than keys are kept: a line is parsed into the next free slot before it is judged.
  SecureBuffer scratch((capacity + 1) * sizeof(Entry));
  if (scratch.p == nullptr) return errno_error("cannot allocate secure memory for " + source);
  auto* parsed = static_cast<Entry*>(scratch.p);
  std::vector<int> line_of;  // parsed[i] came from line line_of[i]

  std::unique_ptr<KeyRing> ring(new KeyRing);
  ring->source_ = source;
  int line_no = 0;
  for (size_t pos = 0; pos <= text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    ring->add_line(text.substr(pos, end - pos), ++line_no, parsed, capacity, &line_of);
    pos = end + 1;
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

bool KeyRing::find(uint32_t key_id, proto::KeyType* type) const {
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
  return e != nullptr ? proto::key_mac_size(e->type) : 0;
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

// libcrypto's functions for the SHA1 and AES128 keys, from the library loaded the first time
// such a key is used: a tool with a SHA256 key or none does not pay for loading and relocating
// OpenSSL at its start (ntpprobe is run once per query).  Their types are the headers'; the
// library is the one the headers belong to (libcrypto.so.3 for OpenSSL 3).
struct LibCrypto {
  decltype(&EVP_MD_CTX_new) md_ctx_new = nullptr;
  decltype(&EVP_MD_CTX_free) md_ctx_free = nullptr;
  decltype(&EVP_sha1) sha1 = nullptr;
  decltype(&EVP_DigestInit_ex) digest_init = nullptr;
  decltype(&EVP_DigestUpdate) digest_update = nullptr;
  decltype(&EVP_DigestFinal_ex) digest_final = nullptr;
  decltype(&EVP_MAC_fetch) mac_fetch = nullptr;
  decltype(&EVP_MAC_CTX_new) mac_ctx_new = nullptr;
  decltype(&EVP_MAC_CTX_free) mac_ctx_free = nullptr;
  decltype(&EVP_MAC_init) mac_init = nullptr;
  decltype(&EVP_MAC_update) mac_update = nullptr;
  decltype(&EVP_MAC_final) mac_final = nullptr;
  decltype(&OSSL_PARAM_construct_utf8_string) param_utf8 = nullptr;
  decltype(&OSSL_PARAM_construct_end) param_end = nullptr;
  EVP_MAC* cmac = nullptr;  // the CMAC algorithm (no key in it)
  std::string problem;      // why the MACs cannot be computed; empty when they can
};

// The library the headers belong to: "libcrypto.so.3".
std::string libcrypto_name() { return "libcrypto.so." + std::to_string(OPENSSL_SHLIB_VERSION); }

// symbol(handle, name, &fn): fn from the library, false when it is not there.
template <class F>
bool symbol(void* handle, const char* name, F* fn) {
  *fn = reinterpret_cast<F>(dlsym(handle, name));
  return *fn != nullptr;
}

LibCrypto load_libcrypto() {
  LibCrypto c;
  void* h = dlopen(libcrypto_name().c_str(), RTLD_NOW | RTLD_LOCAL);  // kept for the process's life
  const char* why = h == nullptr ? dlerror() : nullptr;
  bool ok = h != nullptr && symbol(h, "EVP_MD_CTX_new", &c.md_ctx_new) &&
            symbol(h, "EVP_MD_CTX_free", &c.md_ctx_free) && symbol(h, "EVP_sha1", &c.sha1) &&
            symbol(h, "EVP_DigestInit_ex", &c.digest_init) &&
            symbol(h, "EVP_DigestUpdate", &c.digest_update) &&
            symbol(h, "EVP_DigestFinal_ex", &c.digest_final) && symbol(h, "EVP_MAC_fetch", &c.mac_fetch) &&
            symbol(h, "EVP_MAC_CTX_new", &c.mac_ctx_new) && symbol(h, "EVP_MAC_CTX_free", &c.mac_ctx_free) &&
            symbol(h, "EVP_MAC_init", &c.mac_init) && symbol(h, "EVP_MAC_update", &c.mac_update) &&
            symbol(h, "EVP_MAC_final", &c.mac_final) &&
            symbol(h, "OSSL_PARAM_construct_utf8_string", &c.param_utf8) &&
            symbol(h, "OSSL_PARAM_construct_end", &c.param_end);
  if (ok) c.cmac = c.mac_fetch(nullptr, "CMAC", nullptr);
  if (!ok || c.cmac == nullptr) {
    c.problem = "SHA1 and AES128 keys need " + libcrypto_name() + " (Debian package libssl3)" +
                (why != nullptr ? std::string(": ") + why : std::string(", which lacks what they need"));
  }
  return c;
}

// libcrypto, loaded on the first call (thread-safe: a function-local static).
const LibCrypto& libcrypto() {
  static const LibCrypto c = load_libcrypto();
  return c;
}

// SHA-1(key || data) with libcrypto.  Freeing the context wipes its state,
// which holds key material once the key is absorbed.
bool sha1(const uint8_t* key, size_t key_size, const uint8_t* data, size_t size, uint8_t* out) {
  const LibCrypto& c = libcrypto();
  if (!c.problem.empty()) return false;
  EVP_MD_CTX* ctx = c.md_ctx_new();
  bool ok = ctx != nullptr && c.digest_init(ctx, c.sha1(), nullptr) == 1 &&
            c.digest_update(ctx, key, key_size) == 1 && c.digest_update(ctx, data, size) == 1 &&
            c.digest_final(ctx, out, nullptr) == 1;
  c.md_ctx_free(ctx);
  return ok;
}

// AES-128-CMAC(key, data) (RFC 4493) with libcrypto's EVP_MAC; key is 16
// bytes.  A context per MAC, so that the expanded key lives only meanwhile:
// freeing it wipes the cipher context and the CMAC subkeys.
bool aes128_cmac(const uint8_t* key, const uint8_t* data, size_t size, uint8_t* out) {
  const LibCrypto& c = libcrypto();
  if (!c.problem.empty()) return false;
  char cipher[] = "AES-128-CBC";
  const OSSL_PARAM params[] = {c.param_utf8(OSSL_MAC_PARAM_CIPHER, cipher, 0), c.param_end()};
  EVP_MAC_CTX* ctx = c.mac_ctx_new(c.cmac);
  size_t written = 0;
  bool ok = ctx != nullptr && c.mac_init(ctx, key, 16, params) == 1 && c.mac_update(ctx, data, size) == 1 &&
            c.mac_final(ctx, out, &written, 16) == 1 && written == 16;
  c.mac_ctx_free(ctx);
  return ok;
}

// Why the MACs of keys of type t cannot be computed here (empty: they can).  SHA1 and AES128
// load libcrypto now.
std::string mac_problem(proto::KeyType t) {
  return t == proto::KeyType::Sha1 || t == proto::KeyType::Aes128 ? libcrypto().problem : std::string();
}

}  // namespace

bool KeyRing::mac(const Entry& e, const uint8_t* data, size_t size, uint8_t* out) {
  switch (e.type) {
    case proto::KeyType::Sha256:
      sha2<crypto_hash_sha256_state, crypto_hash_sha256_init, crypto_hash_sha256_update,
           crypto_hash_sha256_final>(e.bytes, e.size, data, size, out);
      return true;
    case proto::KeyType::Sha512:
      sha2<crypto_hash_sha512_state, crypto_hash_sha512_init, crypto_hash_sha512_update,
           crypto_hash_sha512_final>(e.bytes, e.size, data, size, out);
      return true;
    case proto::KeyType::Sha1: return sha1(e.bytes, e.size, data, size, out);
    case proto::KeyType::Aes128: return aes128_cmac(e.bytes, data, size, out);
  }
  return false;
}

bool KeyRing::compute(uint32_t key_id, const uint8_t* data, size_t size, uint8_t* out,
                      size_t digest_size) const {
  const Entry* e = entry(key_id);
  uint8_t full[crypto_hash_sha512_BYTES];
  if (e == nullptr || digest_size > proto::key_mac_size(e->type) || !mac(*e, data, size, full)) return false;
  std::memcpy(out, full, digest_size);
  return true;
}

std::string generate_key_line(uint32_t key_id, proto::KeyType type, size_t key_size,
                              std::string* ntpsec_line) {
  if (sodium_init() < 0) std::abort();  // cannot happen on Linux: it only sets up CPU features
  if (key_size > proto::kMaxNtpsecKeySize) key_size = proto::kMaxNtpsecKeySize;
  if (proto::key_required_size(type) != 0) key_size = proto::key_required_size(type);
  uint8_t key[proto::kMaxNtpsecKeySize];
  randombytes_buf(key, key_size);
  char hex[2 * proto::kMaxNtpsecKeySize + 1];
  sodium_bin2hex(hex, sizeof(hex), key, key_size);
  sodium_memzero(key, sizeof(key));
  std::string id = std::to_string(key_id) + " ";
  std::string line = id + proto::key_type_name(type) + " HEX:" + hex;
  if (ntpsec_line != nullptr) *ntpsec_line = id + proto::ntpsec_key_type_name(type) + " " + hex;
  sodium_memzero(hex, sizeof(hex));
  return line;
}

OsResult<std::unique_ptr<KeyRing>> load_key_file(const std::string& path, bool allow_insecure,
                                                 uint32_t key_id,
                                                 const std::function<void(const std::string&)>& warn) {
  auto ring = KeyRing::load(path, allow_insecure);
  if (!ring) return ring;
  for (const KeyFileProblem& p : (*ring)->problems()) {
    // A tool that uses one key says only what concerns it; sntpd reports every line at start-up.
    if (key_id != 0 && (p.key_id != key_id || p.fatal)) continue;
    warn(path + ":" + std::to_string(p.line) + ": " + p.message + (p.fatal ? " (line left out)" : ""));
  }
  if (key_id != 0 && !(*ring)->find(key_id, nullptr)) {
    return invalid("--key " + std::to_string(key_id) + ": " + (*ring)->why_missing(key_id));
  }
  // The key in use (every key, for a server): libcrypto is loaded only when one needs it.
  for (uint32_t id : key_id != 0 ? std::vector<uint32_t>{key_id} : (*ring)->ids()) {
    proto::KeyType type{};
    (*ring)->find(id, &type);
    std::string problem = mac_problem(type);
    if (!problem.empty()) return invalid(path + ": key " + std::to_string(id) + ": " + problem);
  }
  return ring;
}

}  // namespace lansync::os
