// Least-squares lines; see regression.hpp.
#include "core/regression.hpp"

#include <algorithm>
#include <cmath>

namespace lansync::core {

const char* describe(FitError e) {
  switch (e) {
    case FitError::TooFewPoints: return "fewer than 3 points";
    case FitError::NoSpreadInX: return "all points at the same time";
    case FitError::SizeMismatch: return "x and y differ in length";
    case FitError::NotFinite: return "a value is not a finite number";
  }
  return "unknown error";
}

namespace {

bool all_finite(std::span<const double> v) {
  return std::all_of(v.begin(), v.end(), [](double d) { return std::isfinite(d); });
}

}  // namespace

Result<LineFit, FitError> fit_line(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size()) return fail(FitError::SizeMismatch);
  if (!all_finite(x) || !all_finite(y)) return fail(FitError::NotFinite);
  const size_t n = x.size();
  if (n < 3) return fail(FitError::TooFewPoints);
  double mean_x = 0, mean_y = 0;
  for (size_t i = 0; i < n; ++i) {
    mean_x += x[i];
    mean_y += y[i];
  }
  mean_x /= static_cast<double>(n);
  mean_y /= static_cast<double>(n);
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxx += (x[i] - mean_x) * (x[i] - mean_x);
    sxy += (x[i] - mean_x) * (y[i] - mean_y);
  }
  if (!(sxx > 0)) return fail(FitError::NoSpreadInX);
  LineFit f;
  f.n = n;
  f.slope = sxy / sxx;
  f.intercept = mean_y - f.slope * mean_x;
  // Residuals summed directly, not as Syy - slope * Sxy, which cancels badly
  // when the line explains nearly everything (a clean drift).
  double rss = 0;
  for (size_t i = 0; i < n; ++i) {
    double r = y[i] - (mean_y + f.slope * (x[i] - mean_x));
    rss += r * r;
  }
  double dn = static_cast<double>(n);
  double s2 = rss / (dn - 2);
  f.slope_se = std::sqrt(s2 / sxx);
  f.intercept_se = std::sqrt(s2 * (1 / dn + mean_x * mean_x / sxx));
  f.residual_rms = std::sqrt(rss / dn);
  return f;
}

Result<ParallelFit, FitError> fit_parallel_lines(std::span<const double> x, std::span<const double> y,
                                                 std::span<const size_t> group, size_t groups,
                                                 std::span<const double> weight) {
  if (x.size() != y.size() || x.size() != group.size()) return fail(FitError::SizeMismatch);
  if (!weight.empty() && weight.size() != x.size()) return fail(FitError::SizeMismatch);
  if (!all_finite(x) || !all_finite(y) || !all_finite(weight)) return fail(FitError::NotFinite);
  if (std::any_of(weight.begin(), weight.end(), [](double w) { return !(w > 0); }))
    return fail(FitError::NotFinite);
  const size_t n = x.size();
  if (groups == 0 || n < groups + 2) return fail(FitError::TooFewPoints);
  auto w = [&](size_t i) { return weight.empty() ? 1.0 : weight[i]; };
  std::vector<double> sum_x(groups, 0), sum_y(groups, 0), sum_w(groups, 0);
  for (size_t i = 0; i < n; ++i) {
    if (group[i] >= groups) return fail(FitError::SizeMismatch);
    sum_x[group[i]] += w(i) * x[i];
    sum_y[group[i]] += w(i) * y[i];
    sum_w[group[i]] += w(i);
  }
  for (size_t g = 0; g < groups; ++g) {
    if (sum_w[g] == 0) return fail(FitError::TooFewPoints);
    sum_x[g] /= sum_w[g];  // now the group's (weighted) means
    sum_y[g] /= sum_w[g];
  }
  const std::vector<double>& mean_x = sum_x;
  const std::vector<double>& mean_y = sum_y;
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < n; ++i) {
    double dx = x[i] - mean_x[group[i]];
    sxx += w(i) * dx * dx;
    sxy += w(i) * dx * (y[i] - mean_y[group[i]]);
  }
  if (!(sxx > 0)) return fail(FitError::NoSpreadInX);
  ParallelFit f;
  f.n = n;
  f.slope = sxy / sxx;
  f.intercepts.resize(groups);
  for (size_t g = 0; g < groups; ++g) f.intercepts[g] = mean_y[g] - f.slope * mean_x[g];
  double rss = 0, weighted_rss = 0;
  for (size_t i = 0; i < n; ++i) {
    double r = y[i] - (f.intercepts[group[i]] + f.slope * x[i]);
    rss += r * r;
    weighted_rss += w(i) * r * r;
  }
  double dof = static_cast<double>(n - groups - 1);
  f.residual_sd = std::sqrt(weighted_rss / dof);
  f.slope_se = f.residual_sd / std::sqrt(sxx);
  f.residual_rms = std::sqrt(rss / static_cast<double>(n));
  return f;
}

void LineAccumulator::add(double x, double y) {
  ++n_;
  double dn = static_cast<double>(n_);
  double dx = x - mean_x_;
  double dy = y - mean_y_;
  mean_x_ += dx / dn;
  mean_y_ += dy / dn;
  // Welford: the product of the old and the new deviation.
  sxx_ += dx * (x - mean_x_);
  sxy_ += dx * (y - mean_y_);
  syy_ += dy * (y - mean_y_);
}

Result<LineFit, FitError> LineAccumulator::fit() const {
  if (n_ < 3) return fail(FitError::TooFewPoints);
  if (!std::isfinite(sxx_) || !std::isfinite(sxy_) || !std::isfinite(syy_)) return fail(FitError::NotFinite);
  if (!(sxx_ > 0)) return fail(FitError::NoSpreadInX);
  LineFit f;
  f.n = n_;
  f.slope = sxy_ / sxx_;
  f.intercept = mean_y_ - f.slope * mean_x_;
  double dn = static_cast<double>(n_);
  double rss = std::max(0.0, syy_ - f.slope * sxy_);
  double s2 = rss / (dn - 2);
  f.slope_se = std::sqrt(s2 / sxx_);
  f.intercept_se = std::sqrt(s2 * (1 / dn + mean_x_ * mean_x_ / sxx_));
  f.residual_rms = std::sqrt(rss / dn);
  return f;
}

}  // namespace lansync::core
