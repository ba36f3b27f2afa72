// Least-squares drift; see regression.hpp.
#include "core/regression.hpp"

#include <algorithm>
#include <cmath>

namespace lansync::core {

const char* describe(FitError e) {
  switch (e) {
    case FitError::TooFewSamples: return "fewer than 3 samples";
    case FitError::NoTimeSpread: return "all samples were taken at the same time";
    case FitError::NotFinite: return "a sample is not a finite number";
  }
  return "unknown fit error";
}

Result<DriftFit, FitError> fit_offset_drift(std::span<const OffsetSample> samples) {
  size_t n = samples.size();
  if (n < 3) return fail(FitError::TooFewSamples);
  double sum_x = 0, sum_y = 0;
  double min_x = samples[0].elapsed_s, max_x = samples[0].elapsed_s;
  for (const OffsetSample& s : samples) {
    if (!std::isfinite(s.elapsed_s) || !std::isfinite(s.offset_s)) return fail(FitError::NotFinite);
    sum_x += s.elapsed_s;
    sum_y += s.offset_s;
    min_x = std::min(min_x, s.elapsed_s);
    max_x = std::max(max_x, s.elapsed_s);
  }
  auto count = static_cast<double>(n);
  double mean_x = sum_x / count, mean_y = sum_y / count;
  // Sums of centred values: no cancellation between large absolute offsets.
  double sxx = 0, sxy = 0;
  for (const OffsetSample& s : samples) {
    double dx = s.elapsed_s - mean_x;
    sxx += dx * dx;
    sxy += dx * (s.offset_s - mean_y);
  }
  if (!(sxx > 0)) return fail(FitError::NoTimeSpread);
  double slope = sxy / sxx;
  double intercept = mean_y - slope * mean_x;
  double ssr = 0;
  for (const OffsetSample& s : samples) {
    double r = s.offset_s - (intercept + slope * s.elapsed_s);
    ssr += r * r;
  }
  DriftFit f;
  f.samples = n;
  f.span_s = max_x - min_x;
  f.offset_slope_ppm = slope * 1e6;
  f.slope_stderr_ppm = std::sqrt(ssr / (count - 2) / sxx) * 1e6;
  f.intercept_s = intercept;
  f.residual_rms_s = std::sqrt(ssr / count);
  return f;
}

}  // namespace lansync::core
