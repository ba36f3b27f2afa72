// driftlog record: measure on a fixed schedule, one CSV row per measurement, flushed at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "source.hpp"

namespace lansync::driftlog {

struct RecordOptions {
  std::string source_spec;  // the --source text, written in every row
  int64_t interval_ns = 60'000'000'000;
  std::optional<int64_t> count;        // rows to write
  std::optional<int64_t> duration_ns;  // measure only at slots earlier than this after the start
  int64_t timeout_ns = 0;              // of one measurement
};

// Runs until the count or duration is done or SIGINT/SIGTERM arrives; returns
// 0, or 1 after printing why the CSV could not be written.
int record(Source& source, const RecordOptions& options);

}  // namespace lansync::driftlog
