// Clock filter; see filter.hpp.
#include "core/filter.hpp"

#include <cmath>

namespace lansync::core {

FilterResult filter_samples(const proto::Sample* samples, size_t n) {
  FilterResult r;
  for (size_t i = 1; i < n; ++i) {
    if (samples[i].delay_ns < samples[r.best].delay_ns) r.best = i;
  }
  if (n > 1) {
    // Squares of sub-second differences in seconds stay well inside a double.
    double sum_sq = 0;
    for (size_t i = 0; i < n; ++i) {
      double d = static_cast<double>(samples[i].offset_ns - samples[r.best].offset_ns);
      sum_sq += d * d;
    }
    r.jitter_ns = std::llround(std::sqrt(sum_sq / static_cast<double>(n - 1)));
  }
  return r;
}

}  // namespace lansync::core
