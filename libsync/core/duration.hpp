// Durations as people write them on a command line ("12h", "1h30m", "0.2") and read them ("2 h 46 min").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "codec/result.hpp"

namespace lansync::core {

enum class DurationError : uint8_t { Empty, BadNumber, BadUnit, Negative, TooLong };

// A short English description, e.g. "unknown unit (use s, m, h or d)".
const char* describe(DurationError e);

// Seconds from "90", "90s", "2.5m", "15min", "12h", "1h30m", "2d" (units s, m
// or min, h, d; a bare number is seconds; fractions allowed).  At most 10 years.
Result<double, DurationError> parse_duration_s(std::string_view text);

// "0.2 s", "40 s" below a minute (3 significant digits), then as
// core::human_duration writes it: "46 min 40 s", "2 h 46 min", "3 d 4 h".
std::string format_duration(double seconds);

}  // namespace lansync::core
