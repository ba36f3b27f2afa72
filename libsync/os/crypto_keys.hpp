// Symmetric NTP keys: the key file reader and the MACs, with libsodium and libcrypto.
//
// The key file is chrony's (`ID TYPE KEY`, KEY as `HEX:...`, `ASCII:...` or
// bare text) or ntpsec's ntp.keys (`keyno type key`, a bare key longer than 20
// characters being hex); see lansync-keys(5).  The rules of a line are
// proto::parse_key_line()'s (proto/keys.hpp), which the boards use too; this
// file adds the file, duplicate IDs and the messages.  This build supports SHA256 and
// SHA512 (libsodium), SHA1 and AES128 CMAC (OpenSSL's libcrypto, RFC 8573);
// every other line (MD5, SHA384, AES256, ...) is left out with a problem that
// names the line and says why, as chrony and ntpsec skip the lines they cannot
// use.  Like ssh with a private key, a file that its group or others may
// access is refused unless the caller allows it.  The keys live in one
// sodium_malloc() block (guard pages, mlock'ed, read-only once loaded), wiped
// when the KeyRing is destroyed; the file's text is read into secure memory
// too and wiped after parsing.  libcrypto reads the key from there and holds
// its own copy (SHA-1 state, AES key schedule) only during one MAC, in a
// context it wipes when freed.  KeyRing implements proto::MacKeys: MAC =
// H(key || packet) for the hashes, AES-CMAC(key, packet) for AES128, checked
// with sodium_memcmp (constant time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "os/error.hpp"
#include "proto/auth.hpp"
#include "proto/keys.hpp"

namespace lansync::os {

// A line of the key file that was left out or deserves a warning.
struct KeyFileProblem {
  int line = 0;         // 1-based
  uint32_t key_id = 0;  // the line's key ID, when it has a valid one
  bool fatal = false;   // the line was left out (else: a warning, the key was loaded)
  std::string message;  // e.g. "key 3: type SHA384 is not supported by this build ..."
};

class KeyRing final : public proto::MacKeys {
 public:
  // Reads a key file.  Fails when it cannot be read, is accessible by group or
  // others (unless allow_insecure), or holds no usable key; otherwise the
  // lines left out are in problems().
  static OsResult<std::unique_ptr<KeyRing>> load(const std::string& path, bool allow_insecure);
  // Parses key file text; source names it in messages.  Fails only when no
  // usable key is found.
  static OsResult<std::unique_ptr<KeyRing>> parse(std::string_view text, const std::string& source);

  ~KeyRing();
  KeyRing(const KeyRing&) = delete;
  KeyRing& operator=(const KeyRing&) = delete;

  // Number of keys held, and their IDs in increasing order.
  size_t size() const { return count_; }
  std::vector<uint32_t> ids() const;
  // Whether key_id is held, and its type.
  bool find(uint32_t key_id, proto::KeyType* type) const;
  // The lines left out, and warnings, in file order.
  const std::vector<KeyFileProblem>& problems() const { return problems_; }
  // Why key_id is not held: the problem of its line, or "no key N in FILE".
  std::string why_missing(uint32_t key_id) const;

  size_t mac_size(uint32_t key_id) const override;
  bool compute(uint32_t key_id, const uint8_t* data, size_t size, uint8_t* out,
               size_t digest_size) const override;

  using Entry = proto::Key;  // in secure memory

 private:
  KeyRing() = default;
  // Reads line line_no into slots[*count] (slots has room for capacity + 1
  // keys: the last one for a line read and refused); false if it held none.
  bool add_line(std::string_view line, int line_no, Entry* slots, size_t capacity, std::vector<int>* line_of);
  const Entry* entry(uint32_t key_id) const;
  // The key's MAC of data into out (key_mac_size bytes); false if libcrypto failed.
  static bool mac(const Entry& e, const uint8_t* data, size_t size, uint8_t* out);

  Entry* entries_ = nullptr;  // sodium_malloc'ed, sorted by ID
  size_t count_ = 0;
  std::string source_;
  std::vector<KeyFileProblem> problems_;
};

// A new key line, as chrony and sntpd read it: "ID TYPE HEX:..." with
// key_size random bytes from libsodium (randombytes_buf); an AES128 key is
// always 16 bytes.  *ntpsec_line gets the same key in ntpsec's ntp.keys
// syntax (bare hex, ntpsec's type name), which chrony would read differently.
// key_size is at most 32 (ntpsec's limit).
std::string generate_key_line(uint32_t key_id, proto::KeyType type, size_t key_size,
                              std::string* ntpsec_line);

// Loads a key file for a tool, and reports its problems through warn, one
// line each ("FILE:LINE: message", with " (line left out)" after a line that
// was).  key_id 0: every problem is reported (sntpd, which uses every key);
// else only the warnings about key_id, and the key must be held: the error
// is then "--key N: " and why it is missing.  Errors as KeyRing::load().
OsResult<std::unique_ptr<KeyRing>> load_key_file(const std::string& path, bool allow_insecure,
                                                 uint32_t key_id,
                                                 const std::function<void(const std::string&)>& warn);

}  // namespace lansync::os
