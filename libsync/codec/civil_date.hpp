// The proleptic Gregorian calendar as day counts since 1970-01-01, for the date codecs.
//
// Howard Hinnant's algorithms (years begin in March, so the leap day is last):
// exact for every date, integer only, freestanding.
#pragma once

#include <stdint.h>

namespace lansync::codec {

// Days since 1970-01-01 of a proleptic Gregorian date (negative before 1970).
int64_t days_from_civil(int32_t year, uint32_t month, uint32_t day);

// The date of a day count since 1970-01-01: the inverse of days_from_civil.
void civil_from_days(int64_t days, int32_t* year, uint8_t* month, uint8_t* day);

// 0 = Sunday .. 6 = Saturday, for days since 1970-01-01 (a Thursday).
uint8_t weekday_from_days(int64_t days);

}  // namespace lansync::codec
