// driftlog's CSV, read back: one measurement of a clock against a reference per row.
//
// The format driftlog writes (driftlog(1)): a header row
// `time_utc,elapsed_s,source,offset_s,delay_s,status`, then one row per sample;
// offset_s = reference - local (positive: the local clock is behind), empty for
// a failed sample, whose status says why.  Fields may be quoted as in RFC 4180.
// Reading is strict, because a wrong number read silently gives a wrong drift:
// every problem is reported with the line it is on.  Pure (the caller reads
// the file).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/result.hpp"

namespace lansync::core {

inline constexpr std::string_view kDriftCsvHeader = "time_utc,elapsed_s,source,offset_s,delay_s,status";

struct DriftRow {
  size_t line = 0;                 // 1-based line in the text
  std::string time_utc;            // as written, e.g. 2026-03-01T12:00:00.123Z
  double elapsed_s = 0;            // since the start of the run, never decreasing
  std::string source;              // e.g. ntp:192.168.4.1, rtc:/dev/rtc0, ds3231:/dev/i2c-1
  std::optional<double> offset_s;  // reference - local; empty: a failed sample
  std::optional<double> delay_s;   // round trip, when the source has one
  std::string status;              // ok, timeout, unsynchronized, kod, error, ...
};

struct CsvError {
  size_t line = 0;      // 1-based
  std::string message;  // e.g. "offset_s 'abc' is not a number"
};

// Parses the whole text.  Blank lines are skipped; a trailing CR is ignored.
Result<std::vector<DriftRow>, CsvError> parse_drift_csv(std::string_view text);

}  // namespace lansync::core
