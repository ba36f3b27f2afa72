// The local time zone at an instant, as a camera's clock wants it: a standard offset and a dst flag.
//
// Devices such as Canon cameras (CCAPI) store a standard UTC offset and a flag
// "summer time (one hour) in effect".  The tz database knows more: summer time
// of 30 minutes (Australia/Lord_Howe) and negative summer time
// (Europe/Dublin's winter).  zone_at() maps it onto the device's model without
// ever getting the wall clock or UTC wrong: a summer time of exactly +1 h
// becomes {standard offset, dst}; anything else is sent as the whole offset in
// effect, with dst false.  Uses the C library's tz code (localtime_r, TZif
// files under /usr/share/zoneinfo).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "os/error.hpp"

namespace lansync::os {

struct ZoneAt {
  int32_t utc_offset_s = 0;      // offset in effect: local wall clock minus UTC, seconds
  int32_t std_offset_s = 0;      // the offset to store: utc_offset_s - (dst ? 3600 : 0)
  bool dst = false;              // summer time of exactly one hour is in effect
  bool odd_summer_time = false;  // tzdata says summer time, but not +1 h: sent as the whole offset
  std::string abbreviation;      // "CEST", "AEDT", "IST", "+1030"
};

// The zone at unix_s.  tz_name: a tz database name ("Europe/Berlin") or a
// POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3"); empty means this process's
// zone (the TZ variable, else /etc/localtime).  A name that is not in the
// database is an error (the C library would silently use UTC).  Naming a zone
// changes the process's TZ for the duration of the call: not thread-safe.
OsResult<ZoneAt> zone_at(int64_t unix_s, const std::string& tz_name = "");

// The longest tz database name accepted from outside (the longest real one,
// "America/Argentina/ComodRivadavia", has 32 characters).
inline constexpr size_t kMaxZoneNameLength = 64;

// True when name looks like a tz database name: 1 to kMaxZoneNameLength
// characters of letters, digits, '_', '-', '+' and '/', not starting with
// '/', without an empty, "." or ".." component.  Syntax only.
bool plausible_zone_name(std::string_view name);

// Accepts an IANA name the tz database on this machine knows ("Europe/Berlin",
// "Etc/GMT+5"): plausible_zone_name and a TZif file under TZDIR (default
// /usr/share/zoneinfo).  POSIX TZ strings are refused.  Errors are one line,
// "unknown time zone 'Mars/Olympus'".
Status check_known_zone(const std::string& name);

}  // namespace lansync::os
