// A time another protocol carries; see time_message.hpp.
#include "proto/time_message.hpp"

#include "codec/calendar.hpp"
#include "codec/date_text.hpp"

namespace lansync::proto {
namespace {

constexpr int64_t kHourNs = 3600 * kNsPerSecond;

// The zone at the cursor, to the end of the text: Z, +hh:mm, +hhmm or +hh; its offset east of UTC
// in seconds.
Result<int32_t, IsoTimeError> zone_offset(codec::TextCursor c) {
  if (c.at_end()) return fail(IsoTimeError::NoZone);
  char first = *c.p;
  if ((first == 'Z' || first == 'z') && c.end - c.p == 1) return 0;
  if (!c.literal('+') && !c.literal('-')) {
    // One digit more after the seconds is a malformed time, not a zone.
    bool digit = first >= '0' && first <= '9';
    return fail(digit && c.end - c.p == 1 ? IsoTimeError::Syntax : IsoTimeError::BadZone);
  }
  int32_t hh = 0, mm = 0;
  if (!c.digits(2, &hh)) return fail(IsoTimeError::BadZone);
  if (!c.at_end()) {
    (void)c.literal(':');  // hh:mm or hhmm
    if (!c.digits(2, &mm)) return fail(IsoTimeError::BadZone);
  }
  if (!c.at_end() || mm > 59 || !codec::zone_valid(hh * 60 + mm)) return fail(IsoTimeError::BadZone);
  int32_t offset_s = (hh * 60 + mm) * 60;
  return first == '-' ? -offset_s : offset_s;
}

}  // namespace

const char* describe(IsoTimeError e) {
  switch (e) {
    case IsoTimeError::Syntax: return "not an ISO 8601 date and time (YYYY-MM-DDThh:mm:ss[.fff]Z)";
    case IsoTimeError::OutOfRange: return "a date or time field out of range";
    case IsoTimeError::NoZone: return "no time zone (Z or an offset): not an instant";
    case IsoTimeError::BadZone: return "a time zone offset that is not +hh:mm within 14 h";
  }
  return "unknown";
}

Result<IsoTime, IsoTimeError> parse_iso_time(const char* text, size_t size) {
  if (text == nullptr) return fail(IsoTimeError::Syntax);
  codec::TextCursor c{text, text + size};
  int32_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!c.digits(4, &year) || !c.literal('-') || !c.digits(2, &month) || !c.literal('-') ||
      !c.digits(2, &day) || !(c.literal('T') || c.literal('t') || c.literal(' ')) || !c.digits(2, &hour) ||
      !c.literal(':') || !c.digits(2, &minute) || !c.literal(':') || !c.digits(2, &second)) {
    return fail(IsoTimeError::Syntax);
  }
  IsoTime out;
  int64_t fraction_ns = 0;
  if (c.literal('.') || c.literal(',')) {
    size_t digits = 0;
    int64_t scale = kNsPerSecond;
    for (int32_t d = 0; c.digits(1, &d); ++digits) {
      if (scale > 1) {
        scale /= 10;
        fraction_ns += d * scale;
      }
    }
    if (digits == 0) return fail(IsoTimeError::Syntax);
    out.resolution_ns = scale;
  }
  auto zone = zone_offset(c);
  if (!zone) return fail(zone.error());
  bool leap = second == 60 && minute == 59;
  codec::CivilTime t;
  t.year = year;
  t.month = static_cast<uint8_t>(month);
  t.day = static_cast<uint8_t>(day);
  t.hour = static_cast<uint8_t>(hour);
  t.minute = static_cast<uint8_t>(minute);
  t.second = static_cast<uint8_t>(leap ? 59 : second);
  if (year < 1970 || hour > 23 || minute > 59 || second > 60 || (second == 60 && !leap) ||
      !codec::is_valid_civil(t)) {
    return fail(IsoTimeError::OutOfRange);
  }
  int64_t unix_s = codec::unix_seconds_from_civil(t) - *zone;
  if (unix_s < 0 || unix_s > kMaxIsoUnixSeconds) return fail(IsoTimeError::OutOfRange);
  out.unix_ns = unix_s * kNsPerSecond + fraction_ns;
  if (leap) out.resolution_ns += kNsPerSecond;
  return out;
}

const char* describe(TimeMessageError e) {
  switch (e) {
    case TimeMessageError::Backwards: return "the answer arrived before its request left";
    case TimeMessageError::TooSlow: return "the round trip took longer than 60 s";
    case TimeMessageError::BadResolution: return "a resolution or sender's error below 0 or above an hour";
  }
  return "unknown";
}

Result<TimeMessageReading, TimeMessageError> read_time_message(const TimeMessage& m) {
  if (m.received_local_ns < m.sent_local_ns) return fail(TimeMessageError::Backwards);
  // The difference in unsigned arithmetic: counters far apart would overflow int64.
  uint64_t span = static_cast<uint64_t>(m.received_local_ns) - static_cast<uint64_t>(m.sent_local_ns);
  if (span > static_cast<uint64_t>(kMaxTimeMessageRoundTripNs)) return fail(TimeMessageError::TooSlow);
  auto round_trip = static_cast<int64_t>(span);
  if (m.time.resolution_ns < 0 || m.time.resolution_ns > kHourNs || m.source_error_ns < 0 ||
      m.source_error_ns > kHourNs) {
    return fail(TimeMessageError::BadResolution);
  }
  // The sender read its clock somewhere in the round trip: the middle is at most half of it away.
  TimeMessageReading r;
  r.utc_ns = m.time.unix_ns + round_trip / 2;
  r.error_ns = round_trip - round_trip / 2 + m.time.resolution_ns + m.source_error_ns;
  return r;
}

}  // namespace lansync::proto
