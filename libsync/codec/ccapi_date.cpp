// CCAPI date strings; see ccapi_date.hpp.
#include "codec/ccapi_date.hpp"

#include "codec/date_text.hpp"

namespace lansync::codec {
namespace {

constexpr char kDays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr char kMonths[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool fields_valid(const CcapiDate& d) {
  return d.year >= 1 && d.year <= 9999 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
         d.day <= days_in_month(d.year, d.month) && d.hour <= 23 && d.minute <= 59 && d.second <= 59;
}

void put_digits(char* out, int32_t v, int count) {
  for (int i = count - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

void put_name(char* out, const char* name) {
  out[0] = name[0];
  out[1] = name[1];
  out[2] = name[2];
}

}  // namespace

Result<CcapiDate, CcapiDateError> parse_ccapi_date(const char* text, size_t n) {
  TextCursor c{text, text + n};
  int wday = 0;
  int month = 0;
  int32_t day = 0, year = 0, hour = 0, minute = 0, second = 0, zh = 0, zm = 0;
  if (n < 3) return fail(CcapiDateError::Syntax);
  if (!c.name(kDays, 7, &wday)) return fail(CcapiDateError::BadName);
  if (!c.literal(',') || !c.literal(' ')) return fail(CcapiDateError::Syntax);
  // RFC 5322 allows a one-digit day; cameras send two.
  if (!c.digits(1, &day)) return fail(CcapiDateError::Syntax);
  if (int32_t d2 = 0; !c.at_end() && *c.p != ' ') {
    if (!c.digits(1, &d2)) return fail(CcapiDateError::Syntax);
    day = day * 10 + d2;
  }
  if (!c.literal(' ')) return fail(CcapiDateError::Syntax);
  if (!c.name(kMonths, 12, &month)) return fail(CcapiDateError::BadName);
  if (!c.literal(' ') || !c.digits(4, &year) || !c.literal(' ') || !c.digits(2, &hour) || !c.literal(':') ||
      !c.digits(2, &minute) || !c.literal(':') || !c.digits(2, &second) || !c.literal(' ')) {
    return fail(CcapiDateError::Syntax);
  }
  bool negative = false;
  if (c.literal('-')) {
    negative = true;
  } else if (!c.literal('+')) {
    return fail(CcapiDateError::BadZone);
  }
  if (!c.digits(2, &zh) || !c.digits(2, &zm)) return fail(CcapiDateError::BadZone);
  if (!c.at_end()) return fail(CcapiDateError::Syntax);
  if (zm > 59) return fail(CcapiDateError::BadZone);
  int32_t zone = zh * 60 + zm;
  if (!zone_valid(zone)) return fail(CcapiDateError::BadZone);

  CcapiDate d;
  if (hour > 23 || minute > 59 || second > 59 || day < 1 || day > 31 || year < 1) {
    return fail(CcapiDateError::OutOfRange);
  }
  d.year = year;
  d.month = static_cast<uint8_t>(month + 1);
  d.day = static_cast<uint8_t>(day);
  d.hour = static_cast<uint8_t>(hour);
  d.minute = static_cast<uint8_t>(minute);
  d.second = static_cast<uint8_t>(second);
  d.zone_min = static_cast<int16_t>(negative ? -zone : zone);
  if (!fields_valid(d)) return fail(CcapiDateError::OutOfRange);
  if (weekday_from_days(days_from_civil(d.year, d.month, d.day)) != wday) {
    return fail(CcapiDateError::WeekdayMismatch);
  }
  return d;
}

Result<size_t, CcapiDateError> format_ccapi_date(const CcapiDate& d, char* out, size_t cap) {
  if (!fields_valid(d)) return fail(CcapiDateError::OutOfRange);
  if (!zone_valid(d.zone_min)) return fail(CcapiDateError::BadZone);
  if (cap < kCcapiDateMaxLength) return fail(CcapiDateError::BufferTooSmall);
  // "Ddd, DD Mmm YYYY HH:MM:SS +HHMM"
  //  0    5  8   12   17 20 23 26
  put_name(out, kDays[weekday_from_days(days_from_civil(d.year, d.month, d.day))]);
  out[3] = ',';
  out[4] = ' ';
  put_digits(out + 5, d.day, 2);
  out[7] = ' ';
  put_name(out + 8, kMonths[d.month - 1]);
  out[11] = ' ';
  put_digits(out + 12, d.year, 4);
  out[16] = ' ';
  put_digits(out + 17, d.hour, 2);
  out[19] = ':';
  put_digits(out + 20, d.minute, 2);
  out[22] = ':';
  put_digits(out + 23, d.second, 2);
  out[25] = ' ';
  int32_t zone = d.zone_min;
  out[26] = zone < 0 ? '-' : '+';
  if (zone < 0) zone = -zone;
  put_digits(out + 27, zone / 60, 2);
  put_digits(out + 29, zone % 60, 2);
  if (cap > kCcapiDateMaxLength) out[kCcapiDateMaxLength] = '\0';
  return kCcapiDateMaxLength;
}

Result<int64_t, CcapiDateError> ccapi_date_to_unix(const CcapiDate& d, bool dst) {
  if (!fields_valid(d)) return fail(CcapiDateError::OutOfRange);
  if (!zone_valid(d.zone_min)) return fail(CcapiDateError::BadZone);
  int64_t wall =
      days_from_civil(d.year, d.month, d.day) * kSecondsPerDay + d.hour * 3600 + d.minute * 60 + d.second;
  return wall - int64_t{d.zone_min} * 60 - (dst ? kCcapiDstSeconds : 0);
}

Result<CcapiDate, CcapiDateError> ccapi_date_from_unix(int64_t unix_s, int16_t zone_min, bool dst) {
  if (!zone_valid(zone_min)) return fail(CcapiDateError::BadZone);
  // Years 1..9999 with a day of margin either side; also keeps the sum below from overflowing.
  constexpr int64_t kMinUnix = -62'135'596'800 - kSecondsPerDay;
  constexpr int64_t kMaxUnix = 253'402'300'799 + kSecondsPerDay;
  if (unix_s < kMinUnix || unix_s > kMaxUnix) return fail(CcapiDateError::OutOfRange);
  int64_t wall = unix_s + int64_t{zone_min} * 60 + (dst ? kCcapiDstSeconds : 0);
  int64_t days = wall / kSecondsPerDay;
  int64_t secs = wall % kSecondsPerDay;
  if (secs < 0) {
    secs += kSecondsPerDay;
    --days;
  }
  if (days < days_from_civil(1, 1, 1) || days > days_from_civil(9999, 12, 31)) {
    return fail(CcapiDateError::OutOfRange);
  }
  CcapiDate d;
  CivilTime c = civil_from_days(days);
  d.year = c.year;
  d.month = c.month;
  d.day = c.day;
  d.hour = static_cast<uint8_t>(secs / 3600);
  d.minute = static_cast<uint8_t>(secs / 60 % 60);
  d.second = static_cast<uint8_t>(secs % 60);
  d.zone_min = zone_min;
  return d;
}

Result<size_t, CcapiDateError> format_http_date(int64_t unix_s, char* out, size_t cap) {
  auto d = ccapi_date_from_unix(unix_s, 0, false);
  if (!d) return fail(d.error());
  char text[kCcapiDateMaxLength + 1];
  auto n = format_ccapi_date(*d, text, sizeof(text));
  if (!n) return fail(n.error());
  // "Tue, 01 Jan 2019 01:23:45 +0000" -> "... 01:23:45 GMT": the zone's five bytes become three.
  size_t length = *n - 5 + 3;
  if (cap < length) return fail(CcapiDateError::BufferTooSmall);
  for (size_t i = 0; i < *n - 5; ++i) out[i] = text[i];
  out[length - 3] = 'G';
  out[length - 2] = 'M';
  out[length - 1] = 'T';
  if (cap > length) out[length] = '\0';
  return length;
}

}  // namespace lansync::codec
