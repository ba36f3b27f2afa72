// The proleptic Gregorian calendar as day counts since 1970-01-01, for the date codecs.
//
// Howard Hinnant's algorithms (years begin in March, so the leap day is last):
// exact for every date, integer only, freestanding.  Header-only, so that
// each codec file stays free of external symbols (tests/checks/freestanding.sh).
#pragma once

#include <stdint.h>

namespace lansync::codec {

// Days since 1970-01-01 of a proleptic Gregorian date (negative before 1970).
constexpr int64_t days_from_civil(int32_t year, uint32_t month, uint32_t day) {
  int64_t y = int64_t{year} - (month <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t mp = month > 2 ? int64_t{month} - 3 : int64_t{month} + 9;
  int64_t doy = (153 * mp + 2) / 5 + int64_t{day} - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// The date of a day count since 1970-01-01: the inverse of days_from_civil.
constexpr void civil_from_days(int64_t days, int32_t* year, uint8_t* month, uint8_t* day) {
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  *day = static_cast<uint8_t>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<uint8_t>(m);
  *year = static_cast<int32_t>(yoe + era * 400 + (m <= 2 ? 1 : 0));
}

// 0 = Sunday .. 6 = Saturday, for days since 1970-01-01 (a Thursday).
constexpr uint8_t weekday_from_days(int64_t days) {
  int64_t r = (days + 4) % 7;  // 1970-01-01 was a Thursday
  return static_cast<uint8_t>(r < 0 ? r + 7 : r);
}

}  // namespace lansync::codec
