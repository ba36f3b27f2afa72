// driftlog analyze: the drift, its uncertainty, steps, jitter, Allan deviation and how long the clock is
// reliable.
#pragma once

#include <string>

#include "core/drift.hpp"
#include "input.hpp"

namespace lansync::driftlog {

struct AnalyzeOptions {
  std::string path = "-";
  double tolerance_s = 1.0;
  double step_s = 0;  // 0: automatic
  bool json = false;
};

// Prints the analysis on stdout; returns the exit code.
int analyze(const AnalyzeOptions& options);

// "-20.00014 ± 0.00025 ppm": the uncertainty to two significant digits.
std::string ppm_text(double ppm, double uncertainty_ppm);

// "117.2 µs", "1.500 ms", "2.345 s": a small time in the unit that reads best.
std::string short_seconds_text(double s);

// Runs core::analyze_drift on an input, printing one line on failure.
bool run_analysis(const Input& input, const core::DriftOptions& options, core::DriftAnalysis& out,
                  int& exit_code);

}  // namespace lansync::driftlog
