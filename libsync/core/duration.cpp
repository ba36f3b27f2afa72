// Durations; see duration.hpp.
#include "core/duration.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace lansync::core {

const char* describe(DurationError e) {
  switch (e) {
    case DurationError::Empty: return "empty duration";
    case DurationError::BadNumber: return "not a number";
    case DurationError::BadUnit: return "unknown unit (use s, m, h or d)";
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
        case 'm': unit = 60; break;
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
  char buf[64];
  if (!std::isfinite(seconds)) return "forever";
  if (seconds < 59.5) {
    std::snprintf(buf, sizeof(buf), "%.3g s", seconds);
    return buf;
  }
  struct Unit {
    const char* name;
    int64_t s;
  };
  static constexpr Unit kUnits[] = {{"d", 86400}, {"h", 3600}, {"min", 60}, {"s", 1}};
  for (size_t u = 0; u + 1 < std::size(kUnits); ++u) {
    if (seconds + 0.5 * static_cast<double>(kUnits[u + 1].s) < static_cast<double>(kUnits[u].s)) continue;
    int64_t small = std::llround(seconds / static_cast<double>(kUnits[u + 1].s));
    int64_t per = kUnits[u].s / kUnits[u + 1].s;
    int64_t big = small / per, rest = small % per;
    if (rest == 0) {
      std::snprintf(buf, sizeof(buf), "%lld %s", static_cast<long long>(big), kUnits[u].name);
    } else {
      std::snprintf(buf, sizeof(buf), "%lld %s %lld %s", static_cast<long long>(big), kUnits[u].name,
                    static_cast<long long>(rest), kUnits[u + 1].name);
    }
    return buf;
  }
  return "?";
}

}  // namespace lansync::core
