// Drift analysis; see drift.hpp.
#include "core/drift.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "proto/units.hpp"

namespace lansync::core {

const char* describe(DriftError e) {
  switch (e) {
    case DriftError::TooFewSamples:
      return "too few good samples to fit a drift (at least 3 per run, 1 more per step)";
    case DriftError::NoTimeSpan: return "all good samples are at the same time";
    case DriftError::NotFinite: return "a time or offset is not a finite number";
    case DriftError::NotInOrder: return "the samples are not in time order";
    case DriftError::BadOption: return "the tolerance must be > 0 and the step threshold >= 0";
  }
  return "unknown error";
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// At most this many points on the Allan grid (a few MB); a finer tau0 is coarsened.
constexpr double kMaxGridPoints = 1 << 22;

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  double hi = v[mid];
  if (v.size() % 2 == 1) return hi;
  double lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lo + hi) / 2;
}

// Where the run breaks (a step) and which samples are outliers, among the good samples g
// (indices into samples).  breaks[k]: a step between g[k] and g[k+1].
struct StepScan {
  double threshold_s = 0;
  double noise_s = 0;         // robust standard deviation of one sample's offset (0: not known)
  std::vector<bool> breaks;   // size g.size() - 1
  std::vector<bool> outlier;  // size g.size()
};

StepScan scan_steps(std::span<const DriftSample> s, const std::vector<size_t>& g, double user_threshold_s) {
  StepScan scan;
  const size_t n = g.size();
  scan.breaks.assign(n > 0 ? n - 1 : 0, false);
  scan.outlier.assign(n, false);
  scan.threshold_s = user_threshold_s > 0 ? user_threshold_s : kMinAutoStepS;
  if (n < 4) return scan;
  // The typical rate (robust to the steps themselves), then each change less that rate.
  std::vector<double> rates;
  for (size_t k = 0; k + 1 < n; ++k) {
    double dt = s[g[k + 1]].t_s - s[g[k]].t_s;
    if (dt > 0) rates.push_back((s[g[k + 1]].offset_s - s[g[k]].offset_s) / dt);
  }
  double rate = median(rates);
  std::vector<double> r(n - 1);
  for (size_t k = 0; k + 1 < n; ++k) {
    r[k] = (s[g[k + 1]].offset_s - s[g[k]].offset_s) - rate * (s[g[k + 1]].t_s - s[g[k]].t_s);
  }
  // 1.4826 * MAD: the standard deviation of Gaussian noise, unmoved by a few steps.
  double mid = median(r);
  std::vector<double> dev(r.size());
  for (size_t k = 0; k < r.size(); ++k) dev[k] = std::fabs(r[k] - mid);
  double sigma = 1.4826 * median(dev);
  scan.noise_s = sigma / std::sqrt(2.0);  // a change is the difference of two samples
  if (user_threshold_s <= 0) scan.threshold_s = std::max(kMinAutoStepS, kAutoStepSigmas * sigma);
  for (size_t k = 0; k + 1 < n; ++k) scan.breaks[k] = std::fabs(r[k]) > scan.threshold_s;
  // Away and straight back: the sample in between is an outlier.
  for (size_t k = 0; k + 2 < n; ++k) {
    if (scan.breaks[k] && scan.breaks[k + 1] && std::fabs(r[k] + r[k + 1]) <= scan.threshold_s) {
      scan.outlier[k + 1] = true;
      scan.breaks[k] = scan.breaks[k + 1] = false;
    }
  }
  // Each sample's offset is known within half its round trip: a jump that its two
  // samples' uncertainty explains is not a step; the slower of the two is an outlier.
  auto delay = [&](size_t k) { return std::fabs(s[g[k]].delay_s); };
  for (size_t k = 0; k + 1 < n; ++k) {
    if (scan.breaks[k] && std::fabs(r[k]) <= scan.threshold_s + (delay(k) + delay(k + 1)) / 2) {
      scan.breaks[k] = false;
      scan.outlier[delay(k) > delay(k + 1) ? k : k + 1] = true;
    }
  }
  // A jump at either end of the run has no second sample to confirm it: one
  // late reading (a loaded machine, a busy link) must not split the fit.
  if (scan.breaks.front()) {
    scan.outlier.front() = true;
    scan.breaks.front() = false;
  }
  if (scan.breaks.back()) {
    scan.outlier.back() = true;
    scan.breaks.back() = false;
  }
  return scan;
}

}  // namespace

double reliability_window_s(double drift, double drift_se, double jitter_s, double tolerance_s) {
  const double d = std::fabs(drift), u = std::fabs(drift_se);
  auto error_at = [&](double t) { return d * t + 2 * std::sqrt(jitter_s * jitter_s + u * u * t * t); };
  if (error_at(0) >= tolerance_s) return 0;
  if (d == 0 && u == 0) return -1;
  // error_at(t) >= (d + 2u) t, so the tolerance is reached by hi.
  double lo = 0, hi = tolerance_s / (d + 2 * u);
  for (int i = 0; i < 200 && hi - lo > 1e-9 * hi; ++i) {
    double mid = (lo + hi) / 2;
    (error_at(mid) < tolerance_s ? lo : hi) = mid;
  }
  return lo;
}

double round_interval_down_s(double s) {
  static constexpr double kRound[] = {1,   2,    5,    10,   15,    30,    60,    120,   300,    600,
                                      900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800};
  if (!(s >= 1)) return 0;
  if (s >= 604800) return std::floor(s / 604800) * 604800;  // whole weeks
  double best = 1;
  for (double r : kRound) {
    if (r <= s) best = r;
  }
  return best;
}

namespace {

// The points of the fit: the good samples but the outliers, each with its segment.
struct FitPoints {
  std::vector<double> x, y;    // time and offset, seconds
  std::vector<size_t> group;   // segment of each point
  std::vector<double> weight;  // of each point in the fit (fit_weights)
};

// Each point's weight: the inverse square of its standard deviation, the
// noise plus half of how much its round trip exceeds the shortest one
// (proto::sample_sigma_ns, chrony's rule).  Samples without a round trip (0)
// and those at the shortest one weigh the same.
std::vector<double> fit_weights(std::span<const DriftSample> s, const std::vector<size_t>& used,
                                double noise_s) {
  // Round trips in ns; one that is not a number counts as none, and a day as the most.
  auto ns = [](double seconds) {
    if (!std::isfinite(seconds)) return int64_t{0};
    return static_cast<int64_t>(std::llround(std::min(std::fabs(seconds), 86400.0) * 1e9));
  };
  int64_t shortest = 0;
  for (size_t i : used) {
    int64_t d = ns(s[i].delay_s);
    if (d > 0 && (shortest == 0 || d < shortest)) shortest = d;
  }
  // A floor of 1 ns: a synthetic log without noise keeps its weights finite.
  const int64_t floor_ns = std::max<int64_t>(ns(noise_s), 1);
  std::vector<double> w;
  w.reserve(used.size());
  for (size_t i : used) {
    int64_t d = ns(s[i].delay_s);
    double sd = static_cast<double>(proto::sample_sigma_ns(floor_ns, d > 0 ? d : shortest, shortest));
    w.push_back(1 / (sd * sd));
  }
  return w;
}

// Checks the options and the samples; the indices of the good samples.
Result<std::vector<size_t>, DriftError> good_samples(std::span<const DriftSample> s,
                                                     const DriftOptions& options) {
  if (!(options.tolerance_s > 0) || !(options.step_threshold_s >= 0) || !std::isfinite(options.tolerance_s) ||
      !std::isfinite(options.step_threshold_s)) {
    return fail(DriftError::BadOption);
  }
  std::vector<size_t> g;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!std::isfinite(s[i].t_s) || (s[i].ok && !std::isfinite(s[i].offset_s)))
      return fail(DriftError::NotFinite);
    if (i > 0 && s[i].t_s < s[i - 1].t_s) return fail(DriftError::NotInOrder);
    if (s[i].ok) g.push_back(i);
  }
  return g;
}

// Cuts the good samples g into segments at the steps, outliers left out of every fit: fills
// a.segments and a.outliers; returns the points to fit.
FitPoints segment(std::span<const DriftSample> s, const std::vector<size_t>& g, const StepScan& scan,
                  DriftAnalysis* a) {
  FitPoints p;
  std::vector<size_t> used;  // input indices of the points
  size_t seg = 0;
  bool seg_open = false;
  for (size_t k = 0; k < g.size(); ++k) {
    if (k > 0 && scan.breaks[k - 1] && seg_open) {
      ++seg;
      seg_open = false;
    }
    if (scan.outlier[k]) {
      a->outliers.push_back(g[k]);
      continue;
    }
    if (!seg_open) {
      a->segments.push_back({});
      a->segments.back().first = g[k];
      a->segments.back().start_s = s[g[k]].t_s;
      seg_open = true;
    }
    DriftSegment& cur = a->segments.back();
    cur.last = g[k];
    cur.end_s = s[g[k]].t_s;
    ++cur.n;
    p.x.push_back(s[g[k]].t_s);
    p.y.push_back(s[g[k]].offset_s);
    p.group.push_back(seg);
    used.push_back(g[k]);
  }
  p.weight = fit_weights(s, used, scan.noise_s);
  return p;
}

// Each segment's step from the one before, and its own drift where it has 3 points or more.
void fit_each_segment(const FitPoints& p, const ParallelFit& fit, DriftAnalysis* a) {
  for (size_t k = 0; k < a->segments.size(); ++k) {
    DriftSegment& sg = a->segments[k];
    if (k > 0) sg.step_s = fit.intercepts[k] - fit.intercepts[k - 1];
    if (sg.n < 3) continue;
    size_t begin = static_cast<size_t>(std::find(p.group.begin(), p.group.end(), k) - p.group.begin());
    const std::vector<size_t> one_group(sg.n, 0);
    auto own = fit_parallel_lines(std::span<const double>(p.x).subspan(begin, sg.n),
                                  std::span<const double>(p.y).subspan(begin, sg.n), one_group, 1,
                                  std::span<const double>(p.weight).subspan(begin, sg.n));
    if (own) {
      sg.fitted = true;
      sg.drift_ppm = -own->slope * 1e6;
      sg.drift_uncertainty_ppm = own->slope_se * 1e6;
    }
  }
}

// Every row gets the segment it falls in, and the fitted offset at its time for the good ones.
void place_rows(std::span<const DriftSample> s, const ParallelFit& fit, DriftAnalysis* a) {
  a->segment_of.assign(s.size(), 0);
  a->fitted_offset_s.assign(s.size(), kNaN);
  size_t cur_seg = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    while (cur_seg + 1 < a->segments.size() && a->segments[cur_seg + 1].first <= i) ++cur_seg;
    a->segment_of[i] = cur_seg;
    if (s[i].ok) a->fitted_offset_s[i] = fit.intercepts[cur_seg] + fit.slope * s[i].t_s;
  }
}

// The usual spacing of the points, and the Allan deviation of the residuals on that grid.
void residual_allan(const FitPoints& p, const ParallelFit& fit, DriftAnalysis* a) {
  std::vector<double> spacing, residual(p.x.size());
  for (size_t k = 0; k + 1 < p.x.size(); ++k) {
    if (p.x[k + 1] > p.x[k]) spacing.push_back(p.x[k + 1] - p.x[k]);
  }
  for (size_t k = 0; k < p.x.size(); ++k) {
    residual[k] = p.y[k] - (fit.intercepts[p.group[k]] + fit.slope * p.x[k]);
  }
  a->interval_s = median(spacing);
  double tau0 = std::max(a->interval_s, a->span_s / kMaxGridPoints);
  if (tau0 > 0) a->allan = overlapping_adev(place_on_grid(p.x, residual, tau0), tau0);
}

// How long the clock stays within the tolerance, and the resync interval that follows.
void judge_reliability(const ParallelFit& fit, DriftAnalysis* a) {
  double window = reliability_window_s(fit.slope, fit.slope_se, a->jitter_s, a->tolerance_s);
  if (window < 0) {
    a->reliable_forever = true;
    a->resync_interval_s = round_interval_down_s(a->span_s);
    a->resync_capped = true;
    return;
  }
  a->reliable_s = window;
  a->reliable_extrapolated = window > a->span_s;
  double half = window / 2;
  if (half > a->span_s) {
    half = a->span_s;
    a->resync_capped = true;
  }
  a->resync_interval_s = round_interval_down_s(half);
}

}  // namespace

Result<DriftAnalysis, DriftError> analyze_drift(std::span<const DriftSample> s, const DriftOptions& options) {
  auto g = good_samples(s, options);
  if (!g) return fail(g.error());
  DriftAnalysis a;
  a.samples = s.size();
  a.tolerance_s = options.tolerance_s;
  a.good = g->size();
  a.failed = s.size() - g->size();
  if (g->size() < 3) return fail(DriftError::TooFewSamples);

  StepScan scan = scan_steps(s, *g, options.step_threshold_s);
  a.step_threshold_s = scan.threshold_s;
  FitPoints p = segment(s, *g, scan, &a);
  a.used = p.x.size();
  a.span_s = p.x.back() - p.x.front();
  if (!(a.span_s > 0)) return fail(DriftError::NoTimeSpan);
  auto fit = fit_parallel_lines(p.x, p.y, p.group, a.segments.size(), p.weight);
  if (!fit) {
    return fail(fit.error() == FitError::NoSpreadInX ? DriftError::NoTimeSpan : DriftError::TooFewSamples);
  }
  a.drift_ppm = -fit->slope * 1e6;
  a.drift_uncertainty_ppm = fit->slope_se * 1e6;
  a.jitter_s = fit->residual_rms;

  fit_each_segment(p, *fit, &a);
  place_rows(s, *fit, &a);
  residual_allan(p, *fit, &a);
  judge_reliability(*fit, &a);
  return a;
}

}  // namespace lansync::core
