// The sync-state file: when this machine's clock was last set or verified, from what, by how much.
//
// A small JSON object (documented in lansync-sync-state(5)) that ntpprobe --set,
// rtcset and the phone flow write, and that sntpd and camsync read to decide
// whether the clock may be trusted.  Other scripts may write it too, so reading
// is strict about the fields we need and ignores the others.  Writes are atomic:
// a temporary file in the same directory, fsync, then rename.  Each record
// names the boot it was made in (boot_id, boot_time_s): only a record from
// this boot says anything about the clock now (core/record_age.hpp).
#pragma once

#include <optional>
#include <string>

#include "core/record_age.hpp"
#include "os/error.hpp"

namespace lansync::os {

inline constexpr const char* kDefaultSyncStatePath = "/var/lib/lansync/sync-state.json";

struct SyncState {
  double last_sync_unix = 0;             // seconds since the Unix epoch, fractional
  std::string source;                    // "ntp:192.168.4.1", "phone", "rtc", ...
  double offset_s = 0;                   // correction found; positive: the clock was behind
  std::optional<double> uncertainty_s;   // error bound of the source at the time, if known
  std::optional<std::string> action;     // "step", "slew", "none" or "verified" (checked, not corrected)
  std::optional<int> stratum;            // stratum of the source (an NTP server's), if known
  std::string boot_id;                   // the kernel's boot_id when written (a UUID); empty: none recorded
  std::optional<double> boot_time_s;     // CLOCK_BOOTTIME when written, seconds since that boot
  std::optional<std::string> time_zone;  // the source's tz database name ("Australia/Sydney"), if it sent one
};

// The boot a record names, for core::judge_record.
core::BootStamp boot_of(const SyncState& state);

// Sets the record's boot_id and boot_time_s from a boot stamp.
void stamp_boot(SyncState& state, const core::BootStamp& boot);

// Reads and validates the file.  Errors name the file and the problem, e.g.
// "/var/lib/lansync/sync-state.json: field 'source' must be a non-empty string".
OsResult<SyncState> read_sync_state(const std::string& path);

// Replaces the file atomically, creating its directory if needed.  A state
// without a boot_id is stamped with this boot (os::read_boot_stamp) first,
// so that every record names its boot; callers with a Clock stamp it with
// clock.boot_stamp() themselves.  A state without a time_zone keeps the one
// of the record it replaces: the zone is where the machine is, which an NTP
// server or the RTC does not know, and camsync --time-zone state reads it.
Status write_sync_state(const std::string& path, const SyncState& state);

// The JSON text written for a state (one line, with a trailing newline).
std::string format_sync_state(const SyncState& state);

// Parses JSON text as a sync state; `name` prefixes error messages.
OsResult<SyncState> parse_sync_state(const std::string& text, const std::string& name);

}  // namespace lansync::os
