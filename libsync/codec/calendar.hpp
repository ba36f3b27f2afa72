// The proleptic Gregorian calendar in integer arithmetic: dates to day numbers and back.
//
// RTCs and cameras keep a calendar date and a wall-clock time; NTP and the
// kernel count seconds.  These conversions join the two without libc (timegm
// and gmtime are not in the freestanding firmware build): Howard Hinnant's
// days_from_civil / civil_from_days, exact for every year an int32 holds.
// UTC only, no leap seconds (POSIX time), as every RTC and the kernel count.
#pragma once

#include <stdint.h>

namespace lansync::codec {

inline constexpr int64_t kSecondsPerDay = 86'400;

struct CivilTime {
  int32_t year = 1970;
  uint8_t month = 1;   // 1..12
  uint8_t day = 1;     // 1..31
  uint8_t hour = 0;    // 0..23
  uint8_t minute = 0;  // 0..59
  uint8_t second = 0;  // 0..59
};

// Gregorian leap year: divisible by 4, except centuries not divisible by 400.
constexpr bool is_leap_year(int32_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

// Days in month (1..12) of year; 0 for a month out of range.
constexpr uint8_t days_in_month(int32_t year, uint8_t month) {
  constexpr uint8_t kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

// Days since 1970-01-01 of a valid date (negative before it).
constexpr int64_t days_from_civil(int32_t year, uint8_t month, uint8_t day) {
  // Counted in eras of 400 years from 0000-03-01, so that February is last.
  int64_t y = int64_t{year} - (month <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = static_cast<uint32_t>(y - era * 400);                        // [0, 399]
  uint32_t mp = month > 2 ? uint32_t{month} - 3u : uint32_t{month} + 9u;  // [0, 11], March = 0
  uint32_t doy = (153u * mp + 2u) / 5u + uint32_t{day} - 1u;              // [0, 365]
  uint32_t doe = yoe * 365u + yoe / 4u - yoe / 100u + doy;                // [0, 146096]
  return era * 146'097 + int64_t{doe} - 719'468;
}

// The date of a day number (days since 1970-01-01).
constexpr CivilTime civil_from_days(int64_t days) {
  int64_t z = days + 719'468;
  int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  auto doe = static_cast<uint32_t>(z - era * 146'097);                         // [0, 146096]
  uint32_t yoe = (doe - doe / 1460u + doe / 36'524u - doe / 146'096u) / 365u;  // [0, 399]
  uint32_t doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);                   // [0, 365]
  uint32_t mp = (5u * doy + 2u) / 153u;                                        // [0, 11]
  CivilTime t;
  t.day = static_cast<uint8_t>(doy - (153u * mp + 2u) / 5u + 1u);
  t.month = static_cast<uint8_t>(mp < 10u ? mp + 3u : mp - 9u);
  t.year = static_cast<int32_t>(int64_t{yoe} + era * 400 + (t.month <= 2 ? 1 : 0));
  return t;
}

// Day of the week of a day number: 0 = Sunday .. 6 = Saturday (1970-01-01 was a Thursday).
constexpr uint8_t weekday_from_days(int64_t days) {
  int64_t w = (days + 4) % 7;
  return static_cast<uint8_t>(w < 0 ? w + 7 : w);
}

// A valid date and time -> seconds since the Unix epoch.
constexpr int64_t unix_seconds_from_civil(const CivilTime& t) {
  return days_from_civil(t.year, t.month, t.day) * kSecondsPerDay + int64_t{t.hour} * 3600 +
         int64_t{t.minute} * 60 + int64_t{t.second};
}

// Seconds since the Unix epoch -> date and time (UTC).
constexpr CivilTime civil_from_unix_seconds(int64_t unix_s) {
  int64_t days = unix_s / kSecondsPerDay;
  int64_t rem = unix_s % kSecondsPerDay;
  if (rem < 0) {
    rem += kSecondsPerDay;
    --days;
  }
  CivilTime t = civil_from_days(days);
  t.hour = static_cast<uint8_t>(rem / 3600);
  t.minute = static_cast<uint8_t>(rem / 60 % 60);
  t.second = static_cast<uint8_t>(rem % 60);
  return t;
}

// Whether every field of t is in range, the day included (no 30 February).
constexpr bool is_valid_civil(const CivilTime& t) {
  return t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= days_in_month(t.year, t.month) &&
         t.hour <= 23 && t.minute <= 59 && t.second <= 59;
}

}  // namespace lansync::codec
