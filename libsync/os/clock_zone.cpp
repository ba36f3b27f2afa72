// Local time zone as standard offset + dst; see clock_zone.hpp.
// 64-bit time_t in this file (localtime_r of times past 2038): see os/clock.cpp.
#ifndef _TIME_BITS
#define _TIME_BITS 64
#define _FILE_OFFSET_BITS 64
#endif
#include "os/clock_zone.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <optional>

namespace lansync::os {
namespace {

constexpr int64_t kWeek = 7 * 86400;
constexpr int32_t kOneHour = 3600;

// Sets TZ for the lifetime of the object and restores it afterwards.
class ScopedTz {
 public:
  explicit ScopedTz(const std::string& name) : active_(!name.empty()) {
    if (!active_) return;
    if (const char* old = std::getenv("TZ")) old_ = old;
    ::setenv("TZ", name.c_str(), 1);
    ::tzset();
  }
  ~ScopedTz() {
    if (!active_) return;
    if (old_) {
      ::setenv("TZ", old_->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }
  ScopedTz(const ScopedTz&) = delete;
  ScopedTz& operator=(const ScopedTz&) = delete;

 private:
  bool active_;
  std::optional<std::string> old_;
};

bool local(int64_t unix_s, struct tm* out) {
  time_t t = static_cast<time_t>(unix_s);
  return ::localtime_r(&t, out) != nullptr;
}

std::string zone_dir() {
  const char* dir = std::getenv("TZDIR");
  return dir && *dir ? dir : "/usr/share/zoneinfo";
}

bool zone_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '+' || c == '/';
}

// A name the C library would look up as a file must exist: glibc falls back to
// UTC without a word.  Names with a digit are POSIX rules ("EST5EDT" is both).
Status check_zone_name(const std::string& name) {
  std::string file = name[0] == ':' ? name.substr(1) : name;
  if (file.find_first_of("0123456789") != std::string::npos && name[0] != ':') return ok();
  if (file.empty() || file.find("..") != std::string::npos)
    return invalid("unknown time zone '" + name + "'");
  if (file[0] != '/') file = zone_dir() + "/" + file;
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return invalid("unknown time zone '" + name + "' (no " + file + ")");
  }
  return ok();
}

}  // namespace

bool plausible_zone_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxZoneNameLength || name.front() == '/' || name.back() == '/')
    return false;
  size_t start = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i < name.size() && !zone_char(name[i])) return false;
    if (i == name.size() || name[i] == '/') {
      std::string_view part = name.substr(start, i - start);
      if (part.empty() || part == "." || part == "..") return false;
      start = i + 1;
    }
  }
  return true;
}

Status check_known_zone(const std::string& name) {
  std::string quoted = shown(name, kMaxZoneNameLength);
  if (!plausible_zone_name(name))
    return invalid("unknown time zone '" + quoted + "' (not a tz database name)");
  // A TZif file, not a directory ("America") nor the database's other files ("zone.tab").
  std::ifstream in(zone_dir() + "/" + name, std::ios::binary);
  char magic[4] = {};
  if (!in.read(magic, sizeof(magic)) || std::string_view(magic, 4) != "TZif") {
    return invalid("unknown time zone '" + quoted + "' (not in the tz database)");
  }
  return ok();
}

OsResult<ZoneAt> zone_at(int64_t unix_s, const std::string& tz_name) {
  if (!tz_name.empty()) {
    if (auto st = check_zone_name(tz_name); !st) return fail(st.error());
  }
  ScopedTz scope(tz_name);
  struct tm now {};
  if (!local(unix_s, &now))
    return code_error(std::errc::value_too_large, "cannot convert the time to local time");
  ZoneAt z;
  z.utc_offset_s = static_cast<int32_t>(now.tm_gmtoff);
  z.std_offset_s = z.utc_offset_s;
  z.abbreviation = now.tm_zone ? now.tm_zone : "";
  if (now.tm_isdst > 0) {
    // The standard offset is the one of the nearest time without summer time,
    // searched up to half a year either way.
    std::optional<int32_t> standard;
    for (int64_t k = 1; k <= 27 && !standard; ++k) {
      for (int64_t t : {unix_s - k * kWeek, unix_s + k * kWeek}) {
        struct tm other {};
        if (local(t, &other) && other.tm_isdst == 0) {
          standard = static_cast<int32_t>(other.tm_gmtoff);
          break;
        }
      }
    }
    if (standard && z.utc_offset_s - *standard == kOneHour) {
      z.dst = true;
      z.std_offset_s = *standard;
    } else {
      z.odd_summer_time = true;
    }
  }
  if (z.std_offset_s % 60 != 0) {
    return invalid("the time zone's offset at that time is not a whole number of minutes");
  }
  return z;
}

}  // namespace lansync::os
