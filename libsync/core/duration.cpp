// Durations; see duration.hpp.
#include "core/duration.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/trust.hpp"

namespace lansync::core {

const char* describe(DurationError e) {
  switch (e) {
    case DurationError::Empty: return "empty duration";
    case DurationError::BadNumber: return "not a number";
    case DurationError::BadUnit: return "unknown unit (use s, m or min, h or d)";
    case DurationError::Negative: return "a duration cannot be negative";
    case DurationError::TooLong: return "longer than 10 years";
  }
  return "unknown error";
}

Result<double, DurationError> parse_duration_s(std::string_view text) {
  if (text.empty()) return fail(DurationError::Empty);
  if (text.front() == '-') return fail(DurationError::Negative);
  double total = 0;
  bool first = true;
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    double value = 0;
    auto [next, ec] = std::from_chars(p, end, value, std::chars_format::fixed);
    if (ec != std::errc() || next == p || !std::isfinite(value)) return fail(DurationError::BadNumber);
    if (value < 0) return fail(DurationError::Negative);
    p = next;
    double unit = 1;
    if (p < end) {
      switch (*p) {
        case 's': unit = 1; break;
        case 'm':
          unit = 60;
          if (end - p >= 3 && p[1] == 'i' && p[2] == 'n') p += 2;  // "15min", as systemd writes it
          break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: return fail(DurationError::BadUnit);
      }
      ++p;
    } else if (!first) {
      return fail(DurationError::BadUnit);  // "1h30": the 30 of what?
    }
    first = false;
    total += value * unit;
    if (total > 10 * 365.25 * 86400) return fail(DurationError::TooLong);
  }
  return total;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds)) return "forever";
  if (seconds < 59.5) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.3g s", seconds);
    return buf;
  }
  // Whole minutes and more read as the trust messages write them.
  return human_duration(std::llround(seconds) * 1'000'000'000);
}

}  // namespace lansync::core
