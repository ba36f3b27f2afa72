// The NTS server's cookie keys, kept across restarts (sntpd --nts-server), as chrony's ntsdumpdir.
//
// Clients hold cookies for weeks; if a restart, an upgrade or a reboot made new keys, every client
// would get the kiss NTSN and need a new key exchange.  The file sits in sntpd's state directory
// (beside --state), mode 0600, replaced atomically (os/file.hpp).  After a comment line, one line a
// key, newest first: "ID HEX CREATED_UNIX_S" (ID in decimal, 1..2^32-1; the key as 64 hex
// digits; when it was made, Unix seconds).  At most proto::kNtsCookieKeysKept keys are read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "os/error.hpp"
#include "proto/nts_cookie.hpp"

namespace lansync::os {

// The file's name in the state directory.
inline constexpr const char* kNtsKeysFileName = "nts-keys";
// How often the cookie key changes (a week, as chrony's ntsrotate).
inline constexpr int64_t kNtsKeyRotationNs = int64_t{7} * 24 * 3600 * 1'000'000'000;

// The keys and when the newest was made.
struct NtsKeyFile {
  proto::NtsCookieKeys keys;
  int64_t created_ns = 0;  // Unix ns the newest key was made
};

// The key file beside state_path (the --state file): same directory, kNtsKeysFileName.
std::string nts_keys_path(const std::string& state_path);

// Reads path: nullopt when there is no file; an error naming the file and line when it is malformed.
OsResult<std::optional<NtsKeyFile>> read_nts_keys(const std::string& path);
// Writes keys to path, atomically, mode 0600.
Status save_nts_keys(const std::string& path, const NtsKeyFile& keys);

// Whether the newest key is due for rotation at now_ns (Unix ns): a week old, or there is none.
bool nts_key_due(const NtsKeyFile& keys, int64_t now_ns);
// Puts a new random key in front (its ID one more than the newest's, the first one random; never
// 0), made at now_ns.
void rotate_nts_key(NtsKeyFile& keys, int64_t now_ns);

}  // namespace lansync::os
