// The sync-state file: when this machine's clock was last set or verified, from what, by how much.
//
// A small JSON object (documented in lansync-sync-state(5)) that ntpprobe --set,
// rtcset and the phone flow write, and that sntpd and camsync read to decide
// whether the clock may be trusted.  Other scripts may write it too, so reading
// is strict about the fields we need and ignores the others.  Writes are atomic:
// a temporary file in the same directory, fsync, then rename.
#pragma once

#include <optional>
#include <string>

#include "os/error.hpp"

namespace lansync::os {

inline constexpr const char* kDefaultSyncStatePath = "/var/lib/lansync/sync-state.json";

struct SyncState {
  double last_sync_unix = 0;            // seconds since the Unix epoch, fractional
  std::string source;                   // "ntp:192.168.4.1", "phone", "rtc", ...
  double offset_s = 0;                  // correction found; positive: the clock was behind
  std::optional<double> uncertainty_s;  // error bound of the source at the time, if known
  std::optional<std::string> action;    // "step", "slew" or "none" (verified only)
  std::optional<int> stratum;           // stratum of the source (an NTP server's), if known
};

// Reads and validates the file.  Errors name the file and the problem, e.g.
// "/var/lib/lansync/sync-state.json: field 'source' must be a non-empty string".
OsResult<SyncState> read_sync_state(const std::string& path);

// Replaces the file atomically, creating its directory if needed.
Status write_sync_state(const std::string& path, const SyncState& state);

// The JSON text written for a state (one line, with a trailing newline).
std::string format_sync_state(const SyncState& state);

// Parses JSON text as a sync state; `name` prefixes error messages.
OsResult<SyncState> parse_sync_state(const std::string& text, const std::string& name);

}  // namespace lansync::os
