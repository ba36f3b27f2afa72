// Least-squares straight lines: one line through (x, y), or parallel lines through groups of points.
//
// The drift of a clock is the slope of its offset over time; its uncertainty
// is the slope's standard error, as chrony's regress.c computes it (ordinary
// least squares, residual variance with n - 2 degrees of freedom).  When the
// clock was set during a run, each stretch between the steps keeps its own
// intercept and all share one slope (fit_parallel_lines).  Pure arithmetic on
// doubles, centred on the means so that large x (Unix seconds) lose nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "codec/result.hpp"

namespace lansync::core {

// A fitted line y = intercept + slope * x.
struct LineFit {
  double slope = 0;         // dy/dx
  double intercept = 0;     // y at x = 0
  double slope_se = 0;      // standard error of slope, from the residuals (n - 2 degrees of freedom)
  double intercept_se = 0;  // standard error of intercept
  double residual_rms = 0;  // sqrt(sum of squared residuals / n), in y's unit
  size_t n = 0;             // points fitted
};

enum class FitError : uint8_t {
  TooFewPoints,  // fewer than 3 points (a standard error needs one degree of freedom)
  NoSpreadInX,   // every x is the same: no slope exists
  SizeMismatch,  // x and y differ in length
  NotFinite,     // a NaN or infinity in the input
};

// A short English description, e.g. "fewer than 3 points".
const char* describe(FitError e);

// Ordinary least squares through n >= 3 points.
Result<LineFit, FitError> fit_line(std::span<const double> x, std::span<const double> y);

// Lines with one common slope and an intercept per group: the least-squares
// fit of y = intercept[g] + slope * x where point i belongs to group[i]
// (0 .. groups - 1).  A group of one point fixes its own intercept and tells
// nothing about the slope.  Needs at least one degree of freedom left:
// points - groups - 1 >= 1.  With weights (one per point, > 0; empty: all
// equal) it is the weighted least-squares fit: point i counts as a measurement
// of variance proportional to 1 / weight[i], and the slope's standard error
// comes from the weighted residuals (unchanged if every weight is scaled).
struct ParallelFit {
  double slope = 0;
  double slope_se = 0;             // n - groups - 1 degrees of freedom
  std::vector<double> intercepts;  // per group
  double residual_rms = 0;         // sqrt(sum of squared residuals / n), unweighted
  double residual_sd = 0;          // sqrt(sum of weighted squared residuals / (n - groups - 1))
  size_t n = 0;
};
Result<ParallelFit, FitError> fit_parallel_lines(std::span<const double> x, std::span<const double> y,
                                                 std::span<const size_t> group, size_t groups,
                                                 std::span<const double> weight = {});

// A running line fit, one point at a time in O(1) (Welford's update of the
// centred sums), for a live estimate while samples arrive.
class LineAccumulator {
 public:
  void add(double x, double y);
  size_t count() const { return n_; }
  // The fit so far: slope, intercept and slope_se (residual_rms and
  // intercept_se are filled too); needs 3 points with spread in x.
  Result<LineFit, FitError> fit() const;

 private:
  size_t n_ = 0;
  double mean_x_ = 0, mean_y_ = 0;
  double sxx_ = 0, sxy_ = 0, syy_ = 0;  // centred sums of squares and products
};

}  // namespace lansync::core
