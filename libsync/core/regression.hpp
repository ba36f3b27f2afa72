// Least-squares drift: the straight line through a clock's offsets over time, and how sure it is.
//
// A drift experiment (driftlog, rtcset trim) records offset = reference - local
// at known elapsed times.  Between steps the offset of one free-running clock
// against another grows linearly; its slope is their frequency difference, and
// the standard error of the slope says how far the measurement can be trusted
// (ordinary least squares, e.g. chrony's regress.c without its weighting).
// Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "codec/result.hpp"

namespace lansync::core {

// One measurement: when (seconds since the start of the run) and the offset found.
struct OffsetSample {
  double elapsed_s = 0;
  double offset_s = 0;  // reference - local; positive: the local clock is behind
};

struct DriftFit {
  size_t samples = 0;
  double span_s = 0;            // last elapsed - first elapsed
  double offset_slope_ppm = 0;  // d(offset)/d(elapsed) in ppm; positive: the local clock runs slow
                                // against the reference (it falls further behind)
  double slope_stderr_ppm = 0;  // standard error of offset_slope_ppm
  double intercept_s = 0;       // the fitted offset at elapsed 0
  double residual_rms_s = 0;    // RMS distance of the samples from the line
};

enum class FitError : uint8_t {
  TooFewSamples,  // fewer than 3 (no error estimate without a third point)
  NoTimeSpread,   // every sample at the same elapsed time
  NotFinite,      // an input is NaN or infinite
};

const char* describe(FitError e);

// Fits offset_s = intercept_s + slope * elapsed_s by ordinary least squares.
Result<DriftFit, FitError> fit_offset_drift(std::span<const OffsetSample> samples);

}  // namespace lansync::core
