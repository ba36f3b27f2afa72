// The clock discipline; see discipline.hpp.
#include "core/discipline.hpp"

#include <algorithm>
#include <cmath>

#include "core/regression.hpp"

namespace lansync::core {
namespace {

constexpr double kNsPerS = 1e9;
// The kernel's range of the clock's frequency: the tick moves it by up to 10 %.
constexpr double kMaxFrequencyPpm = 100'000;
// A frequency estimate this uncertain is not used (chrony's maxupdateskew).
constexpr double kMaxUpdateSkewPpm = 1000;
// A slew never shorter than this, and an offset below kNegligibleNs is not slewed: a nanosecond,
// the clock's resolution (a pulse per second is timed within a few hundred: a microsecond left
// out each time would be its whole error).
constexpr double kMinSlewS = 1;
constexpr int64_t kNegligibleNs = 1;
constexpr double kMaxSlewTimerS = 1e4;
// How much sharper than chrony's the delay weights are: a sample's excess delay counts in units of
// a third of the delays' spread.  Exponential queueing each way leaves a sample an offset error
// spread evenly over its excess delay, so the least-queued samples are worth far more than
// chrony's weights give them; a third of the spread is where the example network (1 ms of
// queueing) stops gaining and the Wi-Fi-like one (5 ms) still gains (bench/README.md).
constexpr double kDelaySharpness = 3;
// How fast our clock's frequency wanders, as a random walk: (s/s)^2 per s.  A crystal in a room,
// chrony's example clock: an Allan deviation of 1.8e-8 at 1 000 s (sqrt(q tau / 3)).
constexpr double kFrequencyWander = 1e-18;
// Where a sensor's curve corrects the crystal beneath (Beneath::Temperature), the wanders tried
// beside kFrequencyWander, as its multiples: the likeliest over the register is used, once it
// has kMinWanderSamples.  At 1e-17, a step of the sensor (0.54 degrees, 0.13 ppm) missed once
// in a few minutes; no one of them fits every room (bench/README.md).
constexpr double kWanderScales[] = {3, 10, 30};
constexpr size_t kMinWanderSamples = 8;
// The ramp model's rate of the frequency: 0 give or take this at the start (s/s per s: a Pi's
// crystal, 0.25 ppm per degree, in a room warming or cooling by 4 degrees an hour), and its walk,
// (s/s/s)^2 per s: it moves by about as much in an hour (the heating turns within hours).
constexpr double kRampPrior = 3e-10;
constexpr double kRampWander = 1e-23;
// The fewest samples whose least delay is taken as a floor for the bounds (bounded_update): from
// fewer, the least is rarely near the path's own.
constexpr size_t kMinBoundedSamples = 8;
// Jitter this one-sided (the slope of offset against delay, chrony's MIN_ASYMMETRY), estimated so
// for kAsymmetryRun updates in a row, is taken as the path's (chrony's MIN_ASYMMETRY_RUN).
constexpr double kMinAsymmetry = 0.45;
constexpr int kAsymmetryRun = 10;
constexpr int kMaxAsymmetryRun = 1000;
// A slope steeper than this is not queueing (which can make at most 0.5).
constexpr double kMaxAsymmetrySlope = 1;
// A slope counts only if known to within this (twice its standard error): the first few samples,
// or a line bent by a frequency step, give steep slopes by chance.
constexpr double kAsymmetryTolerance = 0.15;

// Student's t at 99.95 % for dof degrees of freedom (1 ...), as chrony bounds the skew.
double t_quantile(size_t dof) {
  static const double kT[] = {636.6, 31.6,  12.92, 8.61,  6.869, 5.959, 5.408, 5.041, 4.781, 4.587,
                              4.437, 4.318, 4.221, 4.140, 4.073, 4.015, 3.965, 3.922, 3.883, 3.850};
  constexpr size_t kN = sizeof(kT) / sizeof(kT[0]);
  if (dof == 0) return kT[0];
  return dof <= kN ? kT[dof - 1] : (dof <= 40 ? 3.7 : 3.5);
}

// The most runs of one sign a series of n residuals may have and still be rejected as a pattern:
// the Wald-Wolfowitz test, one-sided at 5 % (too few runs), an even split of signs, its normal
// approximation (chronyd's table of critical runs is the same test).
size_t critical_runs(size_t n) {
  if (n < 8) return 0;
  double half = static_cast<double>(n) / 2;
  double mean = half + 1;
  double sd = std::sqrt(half * (half - 1) / static_cast<double>(n - 1));
  return static_cast<size_t>(std::floor(mean - 1.645 * sd));
}

size_t count_runs(const std::vector<double>& residuals) {
  size_t runs = 0;
  for (size_t i = 0; i < residuals.size(); ++i) {
    if (i == 0 || (residuals[i] >= 0) != (residuals[i - 1] >= 0)) ++runs;
  }
  return runs;
}

// A weighted line through samples [from, end), x in s before the newest, y in s; or, bent, a
// parabola (while the frequency ramps).
struct Line {
  double intercept = 0, slope = 0;  // at the newest sample, s and s/s
  double curvature = 0;             // s/s^2, half the frequency's rate: 0 on a straight line
  double at(double x) const { return intercept + (slope + curvature * x) * x; }
  double s2 = 0;                // the residuals' variance, of a sample of mean weight
  std::vector<double> weights;  // of each sample, mean 1 (weigh())
  std::vector<double> bounds;   // how far each sample's offset can be off, s (weigh())
  std::vector<double> residuals;
};

// Each sample's weight, of mean 1: less the further its delay exceeds the least (chrony's,
// kDelaySharpness times sharper); and its bound: half its round trip beyond the least, in s.
// Neither way of an exchange can have been quicker than in the quickest, so its queueing, split
// between the ways in any proportion, moved its offset by at most that much (both sides' reading
// error aside).
void weigh(const std::vector<StatSample>& v, size_t from, Line& l) {
  std::vector<double> d;
  for (size_t i = from; i < v.size(); ++i) d.push_back(static_cast<double>(v[i].delay_ns) / 2);
  std::vector<double> sorted = d;
  std::sort(sorted.begin(), sorted.end());
  double min_d = sorted.front();
  double precision = static_cast<double>(v.back().precision_ns);
  double sd = std::clamp((sorted[sorted.size() / 2] - min_d) / 0.7, precision, std::max(min_d, precision));
  double sum_w = 0;
  for (double di : d) {
    double excess = std::max(0.0, di - min_d - precision);
    l.bounds.push_back(excess / kNsPerS);
    double x = excess / sd * kDelaySharpness;
    l.weights.push_back(1 / ((1 + x) * (1 + x)));
    sum_w += l.weights.back();
  }
  for (double& x : l.weights) x *= static_cast<double>(l.weights.size()) / sum_w;
}

// Bends l, the line through v[from...] centred at mx, into the weighted least-squares parabola:
// the line's residuals fitted by c times the square of x - mx made orthogonal (by the weights) to
// 1 and x - mx, so that the line's intercept and slope stay the best ones beside it.  False (l
// left straight) where the samples' times do not spread.
bool bend(const std::vector<StatSample>& v, size_t from, double mx, Line& l) {
  const std::vector<double>& w = l.weights;
  size_t m = v.size() - from;
  int64_t t0 = v.back().time_ns;
  std::vector<double> u(m);
  double suu = 0, su3 = 0;
  for (size_t k = 0; k < m; ++k) {
    u[k] = static_cast<double>(v[from + k].time_ns - t0) / kNsPerS - mx;
    suu += w[k] * u[k] * u[k];
    su3 += w[k] * u[k] * u[k] * u[k];
  }
  if (!(suu > 0)) return false;
  double a = suu / static_cast<double>(m), b = su3 / suu;  // q = u^2 - a - b u: orthogonal to 1, u
  double sqq = 0, sqr = 0;
  for (size_t k = 0; k < m; ++k) {
    double q = u[k] * u[k] - a - b * u[k];
    sqq += w[k] * q * q;
    sqr += w[k] * q * l.residuals[k];
  }
  if (!(sqq > 0)) return false;
  double c = sqr / sqq;
  // c (x - mx)^2 - c a - c b (x - mx), in powers of x.
  l.curvature = c;
  l.slope -= c * (2 * mx + b);
  l.intercept += c * (mx * mx - a + b * mx);
  return true;
}

Line weighted_line(const std::vector<StatSample>& v, size_t from, bool bent = false) {
  Line l;
  weigh(v, from, l);
  const std::vector<double>& w = l.weights;
  size_t m = v.size() - from;
  int64_t t0 = v.back().time_ns;
  auto x_of = [&](size_t i) { return static_cast<double>(v[i].time_ns - t0) / kNsPerS; };
  auto y_of = [&](size_t i) { return static_cast<double>(v[i].offset_ns) / kNsPerS; };
  double mx = 0, my = 0;
  for (size_t k = 0; k < m; ++k) {
    mx += w[k] * x_of(from + k);
    my += w[k] * y_of(from + k);
  }
  mx /= static_cast<double>(m);
  my /= static_cast<double>(m);
  double sxx = 0, sxy = 0;
  for (size_t k = 0; k < m; ++k) {
    double dx = x_of(from + k) - mx;
    sxx += w[k] * dx * dx;
    sxy += w[k] * dx * (y_of(from + k) - my);
  }
  l.slope = sxx > 0 ? sxy / sxx : 0;
  l.intercept = my - l.slope * mx;
  for (size_t k = 0; k < m; ++k) l.residuals.push_back(y_of(from + k) - l.at(x_of(from + k)));
  size_t params = 2;
  if (bent && m > 3 && bend(v, from, mx, l)) {
    for (size_t k = 0; k < m; ++k) l.residuals[k] = y_of(from + k) - l.at(x_of(from + k));
    params = 3;
  }
  double rss = 0;
  for (size_t k = 0; k < m; ++k) rss += w[k] * l.residuals[k] * l.residuals[k];
  l.s2 = m > params ? rss / static_cast<double>(m - params) : 0;
  return l;
}

// The offset and the frequency at the newest of samples v (3 or more), by a forward Kalman
// filter whose frequency walks at kFrequencyWander per second.  Sample i counts as a normal error
// of variance s2 / w[i] (s2: the line's, the parabola's while it is bent, for a sample of mean weight), or,
// if bounded, as its bound (bounded_update).  Without the walk and the bounds it is the weighted line; with
// the walk, older samples count less, as a bent phase no longer fits a line through them.  The ramp model
// (FilterModel::Ramping) has a third state, the frequency's rate of change, starting at 0 give or take
// kRampPrior and walking at kRampWander: a crystal whose room warms or cools; the steady one keeps it at 0.
enum class FilterModel { Steady, Ramping };

struct Kalman {
  double x[3] = {};           // offset (s), frequency (s/s), its rate (s/s per s), at the newest sample
  double p[3][3] = {};        // their covariance over s2
  double s2 = 0;              // from the innovations (those of the line: its residuals')
  double log_likelihood = 0;  // of the innovations, s2 the likeliest (up to a constant)
  double offset() const { return x[0]; }
  double freq() const { return x[1]; }
};

// The prediction N(mean, var) of an offset, told by a sample y that the offset is within bound of
// it, give or take a normal error of variance margin2 (all in s): the product's mean and variance
// (those of a normal cut to the bound, the cut's edges softened by the margin).  False where the
// two hardly meet (the prediction far outside the bound, as after a step).
bool bounded_update(double y, double bound, double margin2, double& mean, double& var) {
  constexpr double kInvSqrt2Pi = 0.3989422804014327;
  double sd = std::sqrt(var + margin2);
  double lo = (y - bound - mean) / sd, hi = (y + bound - mean) / sd;
  auto pdf = [&](double x) { return kInvSqrt2Pi * std::exp(-0.5 * x * x); };
  auto cdf = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  double mass = cdf(hi) - cdf(lo);
  if (!(mass > 1e-12)) return false;
  double m1 = (pdf(lo) - pdf(hi)) / mass;
  double m2 = (lo * pdf(lo) - hi * pdf(hi)) / mass;
  double new_var = var + var * var / (sd * sd) * (m2 - m1 * m1);
  if (!(new_var > 0)) return false;
  mean += var / sd * m1;
  var = new_var;
  return true;
}

// k's states predicted dt (s) on: the phase runs on at the frequency, which runs on at its rate;
// the frequency walks by lambda and the rate by lambda3 (over s2) per second.
void predict(Kalman& k, double dt, double lambda, double lambda3) {
  const double f[3][3] = {{1, dt, dt * dt / 2}, {0, 1, dt}, {0, 0, 1}};
  double x[3] = {}, fp[3][3] = {}, p[3][3] = {};
  for (int a = 0; a < 3; ++a) {
    for (int c = 0; c < 3; ++c) {
      x[a] += f[a][c] * k.x[c];
      for (int b = 0; b < 3; ++b) fp[a][b] += f[a][c] * k.p[c][b];
    }
  }
  for (int a = 0; a < 3; ++a) {
    for (int b = 0; b < 3; ++b) {
      for (int c = 0; c < 3; ++c) p[a][b] += fp[a][c] * f[b][c];
    }
  }
  double t2 = dt * dt, t3 = t2 * dt;
  const double q[3][3] = {
      {lambda * t3 / 3 + lambda3 * t3 * t2 / 20, lambda * t2 / 2 + lambda3 * t2 * t2 / 8, lambda3 * t3 / 6},
      {0, lambda * dt + lambda3 * t3 / 3, lambda3 * t2 / 2},
      {0, 0, lambda3 * dt}};
  for (int a = 0; a < 3; ++a) {
    k.x[a] = x[a];
    for (int b = 0; b < 3; ++b) k.p[a][b] = p[a][b] + (a <= b ? q[a][b] : q[b][a]);
  }
}

// k's offset is now known to be mean, with variance var (over s2): every state moves with it as far
// as they are correlated.
void condition(Kalman& k, double mean, double var) {
  double poo = k.p[0][0];
  double col[3] = {k.p[0][0], k.p[1][0], k.p[2][0]};
  double d = mean - k.x[0];
  for (int a = 0; a < 3; ++a) {
    k.x[a] += col[a] / poo * d;
    for (int b = 0; b < 3; ++b) k.p[a][b] += col[a] * col[b] / poo * (var / poo - 1);
  }
}

Kalman run_kalman(const std::vector<StatSample>& v, const Line& l, bool bounded, FilterModel model,
                  double wander = kFrequencyWander) {
  const std::vector<double>& w = l.weights;
  double s2 = std::max(l.s2, 1e-30);
  double lambda = wander / s2;
  bool ramping = model == FilterModel::Ramping;
  double lambda3 = ramping ? kRampWander / s2 : 0;
  double rate2 = ramping ? kRampPrior * kRampPrior / s2 : 0;
  // A bound is the least-delayed sample's: its own error (of variance s2 / the greatest weight)
  // softens its edges.
  double margin2 = s2 / *std::max_element(w.begin(), w.end());
  auto y = [&](size_t i) { return static_cast<double>(v[i].offset_ns) / kNsPerS; };
  auto dt_s = [&](size_t i) {
    return std::max(1e-9, static_cast<double>(v[i].time_ns - v[i - 1].time_ns) / kNsPerS);
  };
  // The first two samples set the offset and the frequency (a start that knows nothing), with the
  // errors they leave: their own, the walk's between them and the rate's (the frequency they give
  // is the one half way between them).
  Kalman k;
  double dt = dt_s(1), r1 = 1 / w[0], r2 = 1 / w[1];
  k.x[0] = y(1);
  k.x[1] = (y(1) - y(0)) / dt;
  k.p[0][0] = r2;
  k.p[0][1] = k.p[1][0] = r2 / dt;
  k.p[1][1] = (r1 + r2) / (dt * dt) + lambda * dt / 3 + rate2 * dt * dt / 4;
  k.p[1][2] = k.p[2][1] = rate2 * dt / 2;
  k.p[2][2] = rate2;
  double sum_norm = 0, sum_log_var = 0;
  for (size_t i = 2; i < v.size(); ++i) {
    predict(k, dt_s(i), lambda, lambda3);
    double poo = k.p[0][0];
    double innovation = y(i) - k.offset();
    double s = poo + 1 / w[i];
    sum_norm += innovation * innovation / s;
    sum_log_var += std::log(s);
    // Corrected by its bound, or else as a normal error, as much as it is better known than the
    // prediction.
    double mean = k.offset(), var = poo * s2;
    if (bounded && bounded_update(y(i), l.bounds[i], margin2, mean, var)) {
      condition(k, mean, var / s2);
    } else {
      condition(k, k.offset() + poo / s * innovation, poo * (1 - poo / s));
    }
  }
  double n = static_cast<double>(v.size() - 2);  // the first two have no innovation
  k.s2 = sum_norm / n;
  k.log_likelihood = -0.5 * (n * std::log(std::max(k.s2, 1e-300)) + sum_log_var);
  return k;
}

// The steady model's filter through v; where its wander is learnt (a sensor's curve beneath) and
// v holds kMinWanderSamples or more, the likeliest of kFrequencyWander and kWanderScales times it.
Kalman run_steady(const std::vector<StatSample>& v, const Line& l, bool bounded, bool learn_wander) {
  Kalman best = run_kalman(v, l, bounded, FilterModel::Steady);
  if (!learn_wander || v.size() < kMinWanderSamples) return best;
  for (double scale : kWanderScales) {
    Kalman k = run_kalman(v, l, bounded, FilterModel::Steady, scale * kFrequencyWander);
    if (k.log_likelihood > best.log_likelihood) best = k;
  }
  return best;
}

int64_t to_ns(double s) { return std::llround(s * kNsPerS); }

// Samples v with each offset as it would have been at their least delay: share (positive: queued
// on the way to the server) of its delay beyond the least taken off.
std::vector<StatSample> unqueued(std::vector<StatSample> v, double share) {
  int64_t least_delay_ns = v.front().delay_ns;
  for (const StatSample& s : v) least_delay_ns = std::min(least_delay_ns, s.delay_ns);
  for (StatSample& s : v)
    s.offset_ns -= std::llround(share * static_cast<double>(s.delay_ns - least_delay_ns));
  return v;
}

// What filter k, run through samples (those of line l), says of their server.
SourceEstimate filter_estimate(const Kalman& k, const std::vector<StatSample>& samples, const Line& l) {
  size_t m = samples.size();
  SourceEstimate e;
  e.time_ns = samples.back().time_ns;
  e.first_time_ns = samples.front().time_ns;
  e.offset_ns = to_ns(k.offset());
  e.freq_ppm = k.freq() * 1e6;
  double freq_sd = std::sqrt(std::max(0.0, k.s2 * k.p[1][1]));
  e.offset_sd_ns = to_ns(std::sqrt(std::max(0.0, k.s2 * k.p[0][0])));
  e.freq_sd_ppm = std::clamp(freq_sd * 1e6, 1e-6, 1e6);
  e.skew_ppm = std::clamp(freq_sd * t_quantile(m - 2) * 1e6, 1e-6, 1e6);
  e.std_dev_ns = std::max<int64_t>(1, to_ns(std::sqrt(k.s2)));
  e.newest_sd_ns = std::max<int64_t>(1, to_ns(std::sqrt(k.s2 / l.weights.back())));
  e.samples = m;
  return e;
}

}  // namespace

int64_t SourceEstimate::offset_at(int64_t t_ns) const {
  return offset_ns + std::llround(freq_ppm * 1e-6 * static_cast<double>(t_ns - time_ns));
}

void SourceStats::add(const StatSample& s) {
  if (samples_.size() == kMaxStatSamples) {
    older_.push_back(samples_.front());
    samples_.erase(samples_.begin());
  }
  if (older_.size() > kMaxStatSamples) older_.erase(older_.begin());
  // How far each model's last estimate missed this sample, the older misses fading.
  for (size_t i = 0; i < 2; ++i) {
    if (!predictions_[i]) continue;
    const Prediction& p = *predictions_[i];
    double at_ns = static_cast<double>(p.offset_ns) + p.freq * static_cast<double>(s.time_ns - p.time_ns);
    misses_[i] = kMissMemory * misses_[i] + std::fabs(static_cast<double>(s.offset_ns) - at_ns);
  }
  samples_.push_back(s);
  fit(true);
}

bool SourceStats::ramping() const {
  return beneath_ == Beneath::Nothing && misses_[1] < kRampAdvantage * misses_[0];
}

void SourceStats::correct_beneath(Beneath b) {
  if (b == beneath_) return;
  beneath_ = b;
  predictions_[1].reset();
  misses_[0] = misses_[1] = 0;
}

// The residuals of l (fitted to v[from...]) with those of as many older samples before it, if kept.
std::vector<double> runs_residuals(const std::vector<StatSample>& v, size_t from, const Line& l) {
  size_t m = v.size() - from;
  size_t first = from > m ? from - m : 0;
  std::vector<double> r;
  int64_t t0 = v.back().time_ns;
  for (size_t i = first; i < from; ++i) {
    double x = static_cast<double>(v[i].time_ns - t0) / kNsPerS;
    r.push_back(static_cast<double>(v[i].offset_ns) / kNsPerS - l.at(x));
  }
  r.insert(r.end(), l.residuals.begin(), l.residuals.end());
  return r;
}

// The slope of offsets against delays beyond the least, time taken out (the offsets' and the
// delays' residuals from lines through time), and its standard error: 0.5 when all the queueing
// is on the way to the server, -0.5 on the way back, about 0 when it is even.
struct Slope {
  double slope = 0, sd = 1e9;
};

Slope asymmetry_slope(const std::vector<StatSample>& v) {
  size_t n = v.size();
  Slope r;
  if (n <= 3) return r;
  std::vector<double> t, y, d;
  for (const StatSample& s : v) {
    t.push_back(static_cast<double>(s.time_ns - v.back().time_ns) / kNsPerS);
    y.push_back(static_cast<double>(s.offset_ns) / kNsPerS);
    d.push_back(static_cast<double>(s.delay_ns) / kNsPerS);
  }
  // Each less its line through time (which takes any constant, the least delay too).
  auto detrend = [&](std::vector<double>& z) {
    auto f = core::fit_line(t, z);
    if (!f) return false;
    for (size_t i = 0; i < n; ++i) z[i] -= f->intercept + f->slope * t[i];
    return true;
  };
  if (!detrend(y) || !detrend(d)) return r;
  auto f = core::fit_line(d, y);  // none if every delay was the same
  if (!f) return r;
  r.slope = f->slope;
  // Three parameters were fitted (level, time, delay), where fit_line counts two.
  r.sd = f->slope_se * std::sqrt(static_cast<double>(n - 2) / static_cast<double>(n - 3));
  return r;
}

void SourceStats::note_asymmetry(double slope, double sd) {
  if (2 * sd > kAsymmetryTolerance) return;  // no evidence either way
  // The other way, or steeper than queueing can make it (the offsets moved for another reason, as
  // when the server's clock was stepped while ours slewed): start again.
  bool steep = std::fabs(slope) > kMaxAsymmetrySlope;
  if (steep || slope * asymmetry_run_ < 0) {
    asymmetry_run_ = 0;
    asymmetry_ = 0;
  }
  if (steep) return;
  if (slope >= kMinAsymmetry) asymmetry_run_ = std::min(asymmetry_run_ + 1, kMaxAsymmetryRun);
  if (slope <= -kMinAsymmetry) asymmetry_run_ = std::max(asymmetry_run_ - 1, -kMaxAsymmetryRun);
  if (std::abs(asymmetry_run_) >= kAsymmetryRun) asymmetry_ = std::clamp(slope, -0.5, 0.5);
}

void SourceStats::fit(bool new_sample) {
  estimate_.reset();
  if (samples_.size() < 3) {
    predictions_[0].reset();
    predictions_[1].reset();
    return;
  }
  std::vector<StatSample> all = older_;
  all.insert(all.end(), samples_.begin(), samples_.end());
  // Queueing on one way only (a busy uplink) moves each offset by a share of its delay: as
  // chronyd does, that share is estimated (chrony's asymmetry of the jitter), and once it has been
  // one-sided for long enough each offset is taken as it would have been at the least delay.
  if (new_sample) {
    Slope a = asymmetry_slope(samples_);
    note_asymmetry(a.slope, a.sd);
  }
  bool asymmetric = std::abs(asymmetry_run_) >= kAsymmetryRun;
  std::vector<StatSample> fitted = asymmetric ? unqueued(all, asymmetry_) : all;
  // The line starts at the oldest sample whose residuals, with those of as
  // many older ones (kept for this), have runs enough for noise: a line
  // through samples the frequency wandered across leaves long runs.  While
  // the ramp model is used it is a parabola: a ramping frequency bends the
  // phase, and a line through it leaves runs in any long register, cutting it
  // to a few samples, too few to tell the rate from its prior.  Its residuals
  // also give both filters their noise (Line::s2).
  size_t from = older_.size();
  bool bent = ramping();
  Line l = weighted_line(fitted, from, bent);
  for (;;) {
    std::vector<double> r = runs_residuals(fitted, from, l);
    if (fitted.size() - from <= kMinStatSamples || count_runs(r) > critical_runs(r.size())) break;
    ++from;
    l = weighted_line(fitted, from, bent);
  }
  // What the line no longer uses stays a while for the runs test (twice the line's samples).
  samples_.assign(all.begin() + static_cast<std::ptrdiff_t>(from), all.end());
  size_t keep = std::min(from, 2 * samples_.size());
  older_.assign(all.begin() + static_cast<std::ptrdiff_t>(from - keep),
                all.begin() + static_cast<std::ptrdiff_t>(from));
  size_t m = samples_.size();
  // The filter through the line's samples, with its weights and noise (l is the line through
  // them).  Bounded once the least delay is worth taking as a floor, unless the offsets were
  // moved for a one-sided jitter: that took what their delays say of them already.
  fitted.erase(fitted.begin(), fitted.begin() + static_cast<std::ptrdiff_t>(from));
  // Both models (the ramp model where allowed), for their predictions of the next sample; the
  // ramp model is used while it has predicted clearly better (ramping()).
  bool bounded = m >= kMinBoundedSamples && !asymmetric;
  Kalman steady = run_steady(fitted, l, bounded, beneath_ == Beneath::Temperature);
  int64_t newest_ns = samples_.back().time_ns;
  predictions_[0] = {newest_ns, to_ns(steady.offset()), steady.freq()};
  if (beneath_ != Beneath::Nothing) {
    estimate_ = filter_estimate(steady, samples_, l);
    return;
  }
  Kalman ramp = run_kalman(fitted, l, bounded, FilterModel::Ramping);
  predictions_[1] = {newest_ns, to_ns(ramp.offset()), ramp.freq()};
  bool use_ramp = ramping();
  estimate_ = filter_estimate(use_ramp ? ramp : steady, samples_, l);
  estimate_->ramping = use_ramp;
  if (use_ramp) estimate_->ramp_ppm_per_h = ramp.x[2] * 1e6 * 3600;
}

int64_t correction_shift_ns(int64_t t_ns, int64_t when_ns, double dfreq_ppm, int64_t doffset_ns) {
  // Had the clock been corrected so before, it would have read doffset_ns
  // more at when_ns and dfreq less per second before it.
  return doffset_ns - std::llround(dfreq_ppm * 1e-6 * static_cast<double>(when_ns - t_ns));
}

void SourceStats::shift(const SampleShift& c) {
  for (std::vector<StatSample>* v : {&older_, &samples_}) {
    for (StatSample& s : *v) c.apply(s.time_ns, s.offset_ns);
  }
  if (!samples_.empty()) fit();
}

void SourceStats::clear() {
  samples_.clear();
  older_.clear();
  estimate_.reset();
  predictions_[0].reset();
  predictions_[1].reset();
  misses_[0] = misses_[1] = 0;
  asymmetry_run_ = 0;
  asymmetry_ = 0;
}

std::optional<int64_t> SourceStats::predict_ns(int64_t t_ns) const {
  if (estimate_) return estimate_->offset_at(t_ns);
  if (samples_.empty()) return std::nullopt;
  return samples_.back().offset_ns;
}

double ClockLoop::base_after(double dfreq_ppm) const {
  return std::clamp(base_ppm_ + dfreq_ppm, -kMaxFrequencyPpm / 2, kMaxFrequencyPpm / 2);
}

ClockUpdate ClockLoop::plan(int64_t now_mono_ns, int64_t offset_ns, int64_t offset_sd_ns, double freq_ppm,
                            double skew_ppm) const {
  ClockUpdate u;
  // The new frequency estimate counts as much as it is better known than ours.
  double gain = skew_ppm > kMaxUpdateSkewPpm
                    ? 0
                    : 3 * skew_ppm_ * skew_ppm_ / (3 * skew_ppm_ * skew_ppm_ + skew_ppm * skew_ppm);
  u.dfreq_ppm = gain * freq_ppm;
  double residual = freq_ppm - u.dfreq_ppm;
  u.skew_ppm = skew_ppm_ + gain * (skew_ppm - skew_ppm_) +
               std::sqrt(u.dfreq_ppm * u.dfreq_ppm * (1 - gain) + residual * residual * gain);
  u.doffset_ns = offset_ns;
  double interval_s =
      last_update_mono_ns_ < 0 ? 0 : static_cast<double>(now_mono_ns - last_update_mono_ns_) / kNsPerS;
  u.is_update = true;
  u.correction_rate_s2 =
      kCorrectionTimeRatio * 0.5 * static_cast<double>(offset_sd_ns) / kNsPerS * interval_s;
  ClockLoop next = *this;
  next.base_ppm_ = base_after(u.dfreq_ppm);
  next.plan_slew(now_mono_ns, remaining_ns(now_mono_ns) + offset_ns, u.correction_rate_s2, u);
  return u;
}

void ClockLoop::plan_slew(int64_t now_mono_ns, int64_t pending_ns, double rate_s2, ClockUpdate& u) const {
  u.frequency_ppm = base_ppm_;
  u.slew_end_mono_ns = INT64_MAX;
  if (std::llabs(pending_ns) < kNegligibleNs) return;
  double pending_s = static_cast<double>(pending_ns) / kNsPerS;
  // A bigger offset goes faster: the duration shrinks as it grows.
  double duration_s = std::max(kMinSlewS, rate_s2 / std::fabs(pending_s));
  double slew_ppm = std::clamp(pending_s / duration_s * 1e6, -kMaxSlewPpm, kMaxSlewPpm);
  u.frequency_ppm = std::clamp(base_ppm_ + slew_ppm, -kMaxFrequencyPpm, kMaxFrequencyPpm);
  slew_ppm = u.frequency_ppm - base_ppm_;
  // The clock's own elapsed time runs (1 + frequency) faster than the slew's.
  // A slew longer than kMaxSlewTimerS is looked at again then (end_slew), as chronyd's timer.
  double elapsed_s = pending_s / (slew_ppm * 1e-6) * (1 + u.frequency_ppm * 1e-6);
  u.slew_end_mono_ns = now_mono_ns + std::llround(std::clamp(elapsed_s, kMinSlewS, kMaxSlewTimerS) * kNsPerS);
}

void ClockLoop::commit(int64_t now_mono_ns, const ClockUpdate& u) {
  int64_t pending = remaining_ns(now_mono_ns) + u.doffset_ns;
  if (u.is_update) {
    last_update_mono_ns_ = now_mono_ns;
    skew_ppm_ = u.skew_ppm;
    correction_rate_s2_ = u.correction_rate_s2;
  }
  base_ppm_ = base_after(u.dfreq_ppm);
  slew_ppm_ = u.frequency_ppm - base_ppm_;
  pending_ns_ = slew_ppm_ == 0 ? 0 : pending;
  slew_start_mono_ns_ = now_mono_ns;
  slew_end_mono_ns_ = u.slew_end_mono_ns;
}

ClockUpdate ClockLoop::end_slew(int64_t now_mono_ns) const {
  // What is left (or overshot, if the timer came late) is slewed on at the same rate.
  ClockUpdate u;
  u.skew_ppm = skew_ppm_;
  plan_slew(now_mono_ns, remaining_ns(now_mono_ns), correction_rate_s2_, u);
  return u;
}

int64_t ClockLoop::remaining_ns(int64_t now_mono_ns) const {
  if (slew_ppm_ == 0) return pending_ns_;
  double elapsed_s = static_cast<double>(now_mono_ns - slew_start_mono_ns_) / kNsPerS;
  double slewed_s = slew_ppm_ * 1e-6 * elapsed_s / (1 + (base_ppm_ + slew_ppm_) * 1e-6);
  return pending_ns_ - to_ns(slewed_s);
}

}  // namespace lansync::core
