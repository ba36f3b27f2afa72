// The NTS server's cookie key file; see file_nts_keys.hpp.
#include "os/file_nts_keys.hpp"

#include <fmt/core.h>
#include <sys/stat.h>

#include <cerrno>
#include <sstream>

#include "os/file.hpp"
#include "os/random.hpp"

namespace lansync::os {
namespace {

constexpr size_t kMaxFileBytes = 4096;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_hex_key(const std::string& hex, uint8_t* out) {
  if (hex.size() != 2 * proto::kNtsCookieKeySize) return false;
  for (size_t i = 0; i < proto::kNtsCookieKeySize; ++i) {
    int hi = hex_digit(hex[2 * i]);
    int lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

// One line "ID HEX CREATED_UNIX_S" into *key and *created_s; false if malformed.
bool parse_line(const std::string& line, proto::NtsCookieKey* key, int64_t* created_s) {
  std::istringstream in(line);
  uint64_t id = 0;
  std::string hex, rest;
  if (!(in >> id >> hex >> *created_s) || (in >> rest) || id == 0 || id > UINT32_MAX) return false;
  key->id = static_cast<uint32_t>(id);
  return parse_hex_key(hex, key->key);
}

Failure<Error> bad_line(const std::string& path, int number, const char* what) {
  return fail(
      Error{std::make_error_code(std::errc::invalid_argument), fmt::format("{}:{}: {}", path, number, what)});
}

}  // namespace

std::string nts_keys_path(const std::string& state_path) {
  size_t slash = state_path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : state_path.substr(0, slash == 0 ? 1 : slash);
  return dir + (dir == "/" ? "" : "/") + kNtsKeysFileName;
}

OsResult<std::optional<NtsKeyFile>> read_nts_keys(const std::string& path) {
  auto text = read_secret_file(path, kMaxFileBytes);
  if (!text && text.error().code == std::errc::no_such_file_or_directory) return std::optional<NtsKeyFile>{};
  if (!text) return fail(text.error());
  NtsKeyFile file;
  std::istringstream lines(*text);
  std::string line;
  int number = 0;
  proto::NtsCookieKey keys[proto::kNtsCookieKeysKept];
  size_t count = 0;
  while (std::getline(lines, line) && count < proto::kNtsCookieKeysKept) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    int64_t created_s = 0;
    if (!parse_line(line, &keys[count], &created_s))
      return bad_line(path, number, "not \"ID HEX(64 digits) CREATED_UNIX_S\"");
    if (count == 0) file.created_ns = created_s * 1'000'000'000;
    ++count;
  }
  if (count == 0) return bad_line(path, number, "no key");
  for (size_t i = count; i-- > 0;) file.keys.rotate(keys[i]);  // oldest in first: newest ends in front
  return std::optional<NtsKeyFile>(file);
}

Status save_nts_keys(const std::string& path, const NtsKeyFile& keys) {
  std::string text = "# lansync sntpd NTS cookie keys, newest first: ID KEY(hex) CREATED_UNIX_S\n";
  for (size_t i = 0; i < keys.keys.count; ++i) {
    const proto::NtsCookieKey& k = keys.keys.keys[i];
    text += std::to_string(k.id) + ' ';
    for (uint8_t b : k.key) text += fmt::format("{:02x}", b);
    // Only the newest's time matters (rotation); the older keep theirs as a notional 0.
    text += ' ' + std::to_string(i == 0 ? keys.created_ns / 1'000'000'000 : 0) + '\n';
  }
  return write_file_atomic(path, text, S_IRUSR | S_IWUSR);
}

bool nts_key_due(const NtsKeyFile& keys, int64_t now_ns) {
  return keys.keys.count == 0 || now_ns - keys.created_ns >= kNtsKeyRotationNs;
}

void rotate_nts_key(NtsKeyFile& keys, int64_t now_ns) {
  proto::NtsCookieKey fresh;
  const proto::NtsCookieKey* current = keys.keys.current();
  if (current != nullptr)
    fresh.id = current->id + 1;
  else
    random_bytes(&fresh.id, sizeof(fresh.id));  // another server's cookies name another key
  if (fresh.id == 0) fresh.id = 1;
  random_bytes(fresh.key, sizeof(fresh.key));
  keys.keys.rotate(fresh);
  keys.created_ns = now_ns;
}

}  // namespace lansync::os
