// A time another protocol carries in an answer, as a reference with an honest bound.
//
// An EV charger talks OCPP to its central system all day, often with no NTP
// server in reach, and every OCPP 1.6 and 2.0.1 BootNotification.conf and
// Heartbeat.conf carries the central system's `currentTime` (ISO 8601, UTC or
// with an offset, with or without fractions).  Taken alone it is a time to the
// second at best; taken with when the request left and when the answer came
// (both on our counter) it is a measurement like a phone's or an NTP
// exchange: the sender read its clock somewhere inside that round trip, so
// at the answer's arrival the time was the message's plus half the round
// trip, within half the round trip, plus the message's resolution (a
// whole-second value may be truncated or rounded: a second either way
// covers both), plus whatever the sender's clock itself may be off (no OCPP
// message says; the caller's knowledge, 0 by default).
//
// Used by the boards (firmware/board/board: a reference used only while
// nothing better is valid, served with its bound) and available to the Pi.
// Freestanding, like the rest of proto: text is a pointer and a size, integer ns.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "codec/result.hpp"
#include "proto/units.hpp"

namespace lansync::proto {

// An ISO 8601 / RFC 3339 date-time: its instant and its last digit's worth.
struct IsoTime {
  int64_t unix_ns = 0;
  int64_t resolution_ns = kNsPerSecond;  // 1 s for whole seconds, 1 ms for three decimals...
};

enum class IsoTimeError : uint8_t {
  Syntax,      // not YYYY-MM-DDThh:mm:ss[.f...] followed by a zone
  OutOfRange,  // a field out of its range, a day the month does not have, before 1970 or after 2255
  NoZone,      // no Z and no offset: a local time of an unknown place is no instant
  BadZone,     // an offset that is not +hh:mm, +hhmm or +hh within 14 h
};
const char* describe(IsoTimeError e);

// The last instant parse_iso_time gives (2255-03-14, with room for a minute's round trip under
// the largest int64 ns, 2262).
inline constexpr int64_t kMaxIsoUnixSeconds = 9'000'000'000;

// Parses "2026-11-26T09:30:00Z", "2026-11-26T09:30:00.123+01:00", "...-0530"; 'T' or 't' or a
// space between date and time, 'Z' or 'z'.  Up to 9 decimals count (more are read and
// ignored: the resolution stays 1 ns).  A leap second (second 60, minute 59) is the last second of
// its minute with a second more of resolution: POSIX time has no name for it.
Result<IsoTime, IsoTimeError> parse_iso_time(const char* text, size_t size);

// The longest round trip a time message is taken with: beyond, half of it is no bound worth having.
inline constexpr int64_t kMaxTimeMessageRoundTripNs = 60 * kNsPerSecond;

// One "this is the time" answer, with our counter around it.
struct TimeMessage {
  IsoTime time;                   // what the answer says
  int64_t sent_local_ns = 0;      // our counter when the request left
  int64_t received_local_ns = 0;  // our counter when the answer arrived
  int64_t source_error_ns = 0;    // how far the sender's own clock may be off (the caller's knowledge)
};

// What one time message measures: the time at its arrival, and how far from it the truth may be.
struct TimeMessageReading {
  int64_t utc_ns = 0;    // the time at received_local_ns
  int64_t error_ns = 0;  // half the round trip + the resolution + the sender's own error
};

enum class TimeMessageError : uint8_t {
  Backwards,      // received before sent: not a round trip
  TooSlow,        // round trip beyond kMaxTimeMessageRoundTripNs
  BadResolution,  // resolution or the sender's error negative, or either beyond an hour
};
const char* describe(TimeMessageError e);

Result<TimeMessageReading, TimeMessageError> read_time_message(const TimeMessage& m);

}  // namespace lansync::proto
