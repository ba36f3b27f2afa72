// What the parsers of dates written as text share (a camera's CCAPI date, OCPP's ISO 8601 time):
// a cursor that never reads past the end of its input, and the widest time zone offset.
// Freestanding (the firmware compiles it): no libc.
#pragma once

#include <stdint.h>

namespace lansync::codec {

// The widest offset of a time zone from UTC, in minutes (UTC+14, the Line Islands).
inline constexpr int32_t kMaxZoneMin = 14 * 60;
constexpr bool zone_valid(int32_t zone_min) { return zone_min >= -kMaxZoneMin && zone_min <= kMaxZoneMin; }

// A cursor over [p, end); each reader advances it only when what it reads is there.
struct TextCursor {
  const char* p;
  const char* end;

  bool at_end() const { return p == end; }
  // The character c.
  bool literal(char c) {
    if (p == end || *p != c) return false;
    ++p;
    return true;
  }
  // Exactly `count` decimal digits, as a number in *out.
  bool digits(int count, int32_t* out) {
    int32_t v = 0;
    const char* q = p;
    for (int i = 0; i < count; ++i) {
      if (q == end || *q < '0' || *q > '9') return false;
      v = v * 10 + (*q++ - '0');
    }
    p = q;
    *out = v;
    return true;
  }
  // One of the three-letter names in table[0..size); its index in *out.
  bool name(const char (*table)[4], int size, int* out) {
    if (end - p < 3) return false;
    for (int i = 0; i < size; ++i) {
      if (p[0] == table[i][0] && p[1] == table[i][1] && p[2] == table[i][2]) {
        *out = i;
        p += 3;
        return true;
      }
    }
    return false;
  }
};

}  // namespace lansync::codec
