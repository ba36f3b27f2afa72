// Allan deviation; see allan.hpp.
#include "core/allan.hpp"

#include <cmath>
#include <limits>

namespace lansync::core {

std::vector<double> place_on_grid(std::span<const double> t_s, std::span<const double> phase_s,
                                  double tau0_s) {
  std::vector<double> grid;
  if (t_s.empty() || t_s.size() != phase_s.size() || !(tau0_s > 0)) return grid;
  const double t0 = t_s[0];
  const double span = t_s.back() - t0;
  if (!std::isfinite(span) || span < 0) return grid;
  // Bounded: a span of more than 2^24 grid points is refused by the caller's choice of tau0.
  size_t points = static_cast<size_t>(std::llround(span / tau0_s)) + 1;
  grid.assign(points, std::numeric_limits<double>::quiet_NaN());
  std::vector<double> distance(points, std::numeric_limits<double>::infinity());
  for (size_t i = 0; i < t_s.size(); ++i) {
    double k = std::round((t_s[i] - t0) / tau0_s);
    if (!(k >= 0) || k >= static_cast<double>(points)) continue;
    size_t j = static_cast<size_t>(k);
    double d = std::fabs(t_s[i] - t0 - k * tau0_s);
    if (d < distance[j]) {
      distance[j] = d;
      grid[j] = phase_s[i];
    }
  }
  return grid;
}

std::vector<AllanPoint> overlapping_adev(std::span<const double> x, double tau0_s) {
  std::vector<AllanPoint> out;
  const size_t n = x.size();
  if (n < 5 || !(tau0_s > 0)) return out;
  for (size_t m = 1; m <= (n - 1) / 4; m *= 2) {
    double sum = 0;
    size_t terms = 0;
    for (size_t i = 0; i + 2 * m < n; ++i) {
      double d = x[i + 2 * m] - 2 * x[i + m] + x[i];
      if (std::isnan(d)) continue;  // a gap
      sum += d * d;
      ++terms;
    }
    if (terms == 0) continue;
    double tau = static_cast<double>(m) * tau0_s;
    out.push_back({tau, std::sqrt(sum / (2 * tau * tau * static_cast<double>(terms))), terms});
  }
  return out;
}

}  // namespace lansync::core
