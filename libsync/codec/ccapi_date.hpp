// The date string of Canon's Camera Control API (CCAPI) and its dst flag.
//
// GET/PUT /ccapi/ver100/functions/datetime carry {"datetime": "Tue, 01 Jan
// 2019 01:23:45 +0900", "dst": false}: RFC 1123 (RFC 5322 §3.3) with English
// day and month names and a numeric zone.  The string holds the wall clock
// INCLUDING summer time, but its zone is the STANDARD offset; dst:true says
// summer time (one hour) is in effect.  So
//     UTC = wall clock - zone - (dst ? 1 h : 0).
// Freestanding (the firmware compiles it): no locale, no libc, integer only.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "codec/calendar.hpp"
#include "codec/result.hpp"

namespace lansync::codec {

// The fields of a CCAPI date string: a wall-clock time and a standard offset.
struct CcapiDate {
  int32_t year = 1970;   // 1..9999
  uint8_t month = 1;     // 1..12
  uint8_t day = 1;       // 1..31, valid for the month
  uint8_t hour = 0;      // 0..23
  uint8_t minute = 0;    // 0..59
  uint8_t second = 0;    // 0..59 (cameras show no leap second)
  int16_t zone_min = 0;  // standard offset east of UTC in minutes, -14 h..+14 h
};

enum class CcapiDateError : uint8_t {
  Syntax,           // not "Ddd, DD Mmm YYYY HH:MM:SS +HHMM"
  BadName,          // unknown day or month name
  OutOfRange,       // a field outside its range, or a day the month does not have
  BadZone,          // zone not +HHMM/-HHMM within 14 h
  WeekdayMismatch,  // the day name is not the weekday of the date
  BufferTooSmall,
};

// Longest formatted string: "Tue, 01 Jan 2019 01:23:45 +0900" (31 bytes).
inline constexpr size_t kCcapiDateMaxLength = 31;
inline constexpr int64_t kCcapiDstSeconds = 3600;  // summer time is one hour in CCAPI

// Parses a CCAPI date string of exactly n bytes (no terminator needed).  The
// day of the month may have one or two digits; the names are case-sensitive,
// as RFC 1123 writes them; the day name must match the date.
Result<CcapiDate, CcapiDateError> parse_ccapi_date(const char* text, size_t n);

// Formats d into out (capacity cap, NUL-terminated when room allows).  Returns
// the length (31), or BufferTooSmall / OutOfRange / BadZone.
Result<size_t, CcapiDateError> format_ccapi_date(const CcapiDate& d, char* out, size_t cap);

// The UTC instant, in Unix seconds, of a CCAPI date and dst flag:
// wall clock - zone - (dst ? 1 h : 0).
Result<int64_t, CcapiDateError> ccapi_date_to_unix(const CcapiDate& d, bool dst);

// The CCAPI date showing Unix second unix_s in a zone with standard offset
// zone_min and summer time dst: wall clock = UTC + zone + (dst ? 1 h : 0).
Result<CcapiDate, CcapiDateError> ccapi_date_from_unix(int64_t unix_s, int16_t zone_min, bool dst);

// HTTP's Date (RFC 9110 §5.6.7, IMF-fixdate): the same form in UTC, "GMT" for
// the zone, e.g. "Sun, 06 Nov 1994 08:49:37 GMT", 29 bytes.  The Pi's
// sntpd-web and the boards send it only from a clock they trust (§6.6.1).
inline constexpr size_t kHttpDateLength = 29;

// Formats Unix second unix_s into out (capacity cap, NUL-terminated when room
// allows).  Returns the length, or BufferTooSmall / OutOfRange (years 1..9999).
Result<size_t, CcapiDateError> format_http_date(int64_t unix_s, char* out, size_t cap);

}  // namespace lansync::codec
