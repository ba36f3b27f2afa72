// Reading a driftlog CSV from a file or stdin, for analyze and plot.
#pragma once

#include <string>
#include <vector>

#include "core/drift.hpp"
#include "core/drift_log.hpp"

namespace lansync::driftlog {

// Exit codes of driftlog(1) that analyze and plot share.
inline constexpr int kExitFailure = 1;    // cannot read the input or write the output
inline constexpr int kExitMalformed = 4;  // the input is not a driftlog CSV (the line is named)
inline constexpr int kExitTooFew = 5;     // too few good samples to analyse

struct Input {
  std::string name;  // the path, or "stdin"
  std::vector<core::DriftRow> rows;
  std::vector<core::DriftSample> samples;  // the same rows, for core::analyze_drift
};

// Reads and parses path ("-": stdin).  On failure prints one line and sets exit_code.
bool read_input(const std::string& path, Input& input, int& exit_code);

}  // namespace lansync::driftlog
