// The driftlog CSV: what `driftlog record` writes and `driftlog analyze`, `plot` and `rtcset trim` read.
//
//   time_utc,elapsed_s,source,offset_s,delay_s,status
//   2026-11-22T10:00:00.000123Z,0.000000,ntp:192.168.4.1,-0.001234567,0.000412345,ok
//   2026-11-22T10:01:00.000098Z,60.000012,ntp:192.168.4.1,,,timeout
//
// time_utc: the local clock (the one measured) at the measurement, UTC, to the
// microsecond.  elapsed_s: monotonic seconds since the run started.  offset_s:
// reference - local clock (positive: the local clock is behind), empty when
// the measurement failed.  delay_s: the round trip, empty when the source has
// none.  status: ok, timeout, unsynchronized, kod or error.  The source field
// is quoted as RFC 4180 says when it holds a comma or a quote.
//
// The reader finds the columns by name (order free, unknown columns ignored;
// elapsed_s and offset_s are required), skips blank lines and lines starting
// with '#', and refuses anything else it cannot read with the line number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/result.hpp"

namespace lansync::core {

inline constexpr std::string_view kDriftCsvHeader = "time_utc,elapsed_s,source,offset_s,delay_s,status";

// How a measurement went.
// Missed: no measurement at that slot, the one before it overran the interval.
enum class ReadingStatus : uint8_t { Ok, Timeout, Unsynchronized, Kod, Error, Missed };

// "ok", "timeout", "unsynchronized", "kod", "error", "missed".
const char* status_word(ReadingStatus s);
std::optional<ReadingStatus> parse_status_word(std::string_view word);

// One measurement.
struct DriftRow {
  size_t line = 0;                     // 1-based line it was read from; 0 when not read
  std::optional<int64_t> time_utc_ns;  // local clock at the measurement, Unix ns
  double elapsed_s = 0;                // since the start of the run, monotonic
  std::string source;                  // as given to --source
  std::optional<double> offset_s;      // reference - local; empty when the measurement failed
  std::optional<double> delay_s;       // round trip, when the source has one
  ReadingStatus status = ReadingStatus::Ok;
};

// One CSV line, ending in '\n'.  Line breaks in the source become spaces.
std::string format_drift_row(const DriftRow& row);

// "2026-11-22T10:00:00.000123Z" from Unix nanoseconds (microseconds, truncated).
std::string format_utc(int64_t unix_ns);
// The inverse, for "YYYY-MM-DDTHH:MM:SS[.fraction]Z".
std::optional<int64_t> parse_utc(std::string_view text);

struct CsvError {
  size_t line = 0;      // 1-based
  std::string message;  // e.g. "offset_s is not a number: '1.2.3'"
};

// Reads a whole driftlog CSV.  Rows must be in order of elapsed_s.
Result<std::vector<DriftRow>, CsvError> parse_drift_csv(std::string_view text);

}  // namespace lansync::core
