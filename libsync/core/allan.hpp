// Allan deviation of a clock from its phase (time offset) samples, at octave intervals.
//
// The overlapping estimator of IEEE Std 1139-2008 (NIST SP 1065 §5.2.4) from
// phase data x (seconds) on a regular grid tau0 apart:
//   AVAR(m tau0) = sum over i of (x[i+2m] - 2 x[i+m] + x[i])^2 / (2 (m tau0)^2 T)
// where T is the number of second differences summed.  A measurement log has
// gaps (failed samples) and uneven timing (a sample taken a little late), so
// the samples are first placed on the grid (place_on_grid): each at its
// nearest grid point, empty points left as gaps (NaN), and every second
// difference that touches a gap is skipped, as Stable32 does.  Feed it
// residuals from the drift fit: a constant frequency does not change the
// Allan deviation, and steps must be taken out first.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace lansync::core {

// One point of the Allan deviation curve.
struct AllanPoint {
  double tau_s = 0;  // averaging time, seconds
  double adev = 0;   // Allan deviation, dimensionless (fractional frequency; 1e-6 = 1 ppm)
  size_t terms = 0;  // second differences averaged
};

// Phase samples at times t_s (ascending) placed on the grid t_s[0] + k tau0_s:
// each sample at its nearest grid point (the nearer sample wins a shared
// point), NaN where no sample landed.
std::vector<double> place_on_grid(std::span<const double> t_s, std::span<const double> phase_s,
                                  double tau0_s);

// Overlapping Allan deviation of gridded phase (NaN = gap) at tau = tau0 * 2^k
// for every octave with m = 2^k <= (N - 1) / 4, i.e. the span holds at least 3
// non-overlapping second differences; octaves where no second difference is
// complete are left out.
std::vector<AllanPoint> overlapping_adev(std::span<const double> grid_phase_s, double tau0_s);

}  // namespace lansync::core
