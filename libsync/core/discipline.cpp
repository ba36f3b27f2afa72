// The clock discipline; see discipline.hpp.
#include "core/discipline.hpp"

#include <algorithm>
#include <cmath>

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

// A weighted line through samples [from, end), x in s before the newest, y in s.
struct Line {
  double intercept = 0, slope = 0;  // at the newest sample, s and s/s
  double s2 = 0;                    // the residuals' variance, of a sample of mean weight
  std::vector<double> weights;      // of each sample, mean 1 (weights())
  std::vector<double> residuals;
};

// Each sample's weight, of mean 1: less the further its delay exceeds the least (chrony's,
// kDelaySharpness times sharper).
std::vector<double> weights(const std::vector<StatSample>& v, size_t from) {
  std::vector<double> d;
  for (size_t i = from; i < v.size(); ++i) d.push_back(static_cast<double>(v[i].delay_ns) / 2);
  std::vector<double> sorted = d;
  std::sort(sorted.begin(), sorted.end());
  double min_d = sorted.front();
  double precision = static_cast<double>(v.back().precision_ns);
  double sd = std::clamp((sorted[sorted.size() / 2] - min_d) / 0.7, precision, std::max(min_d, precision));
  std::vector<double> w;
  double sum_w = 0;
  for (double di : d) {
    double excess = std::max(0.0, di - min_d - precision) / sd * kDelaySharpness;
    w.push_back(1 / ((1 + excess) * (1 + excess)));
    sum_w += w.back();
  }
  for (double& x : w) x *= static_cast<double>(w.size()) / sum_w;
  return w;
}

Line fit_line(const std::vector<StatSample>& v, size_t from) {
  Line l;
  l.weights = weights(v, from);
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
  double rss = 0;
  for (size_t k = 0; k < m; ++k) {
    double r = y_of(from + k) - (l.intercept + l.slope * x_of(from + k));
    l.residuals.push_back(r);
    rss += w[k] * r * r;
  }
  l.s2 = m > 2 ? rss / static_cast<double>(m - 2) : 0;
  return l;
}

// The offset and the frequency at the newest of samples v (3 or more), by a forward Kalman
// filter whose frequency walks at lambda x s2 per second (s2: the variance of a sample of mean
// weight; sample i has s2 / w[i]).  With lambda 0 it is the weighted line; with the walk,
// older samples count less, as a bent phase no longer fits a line through them.
struct Kalman {
  double offset = 0, freq = 0;       // at the newest sample, s and s/s
  double poo = 0, pof = 0, pff = 0;  // their covariance over s2
  double s2 = 0;                     // from the innovations (those of the line: its residuals')
};

Kalman run_kalman(const std::vector<StatSample>& v, const std::vector<double>& w, double lambda) {
  auto y = [&](size_t i) { return static_cast<double>(v[i].offset_ns) / kNsPerS; };
  auto dt_s = [&](size_t i) {
    return std::max(1e-9, static_cast<double>(v[i].time_ns - v[i - 1].time_ns) / kNsPerS);
  };
  // The first two samples set the offset and the frequency (a start that knows nothing), with the
  // errors they leave: their own and the walk's between them.
  Kalman k;
  double dt = dt_s(1), r1 = 1 / w[0], r2 = 1 / w[1];
  k.offset = y(1);
  k.freq = (y(1) - y(0)) / dt;
  k.poo = r2;
  k.pof = r2 / dt;
  k.pff = (r1 + r2) / (dt * dt) + lambda * dt / 3;
  double sum_norm = 0;
  for (size_t i = 2; i < v.size(); ++i) {
    // Predicted to sample i: the phase runs on at the frequency, which walks.
    dt = dt_s(i);
    double q = lambda * dt;
    k.offset += k.freq * dt;
    double poo = k.poo + 2 * dt * k.pof + dt * dt * k.pff + q * dt * dt / 3;
    double pof = k.pof + dt * k.pff + q * dt / 2;
    k.pff += q;
    // Corrected by it, as much as it is better known than the prediction.
    double innovation = y(i) - k.offset;
    double s = poo + 1 / w[i];
    double gain_o = poo / s, gain_f = pof / s;
    k.offset += gain_o * innovation;
    k.freq += gain_f * innovation;
    k.poo = poo * (1 - gain_o);
    k.pof = pof * (1 - gain_o);
    k.pff -= gain_f * pof;
    sum_norm += innovation * innovation / s;
  }
  k.s2 = sum_norm / static_cast<double>(v.size() - 2);  // the first two have no innovation
  return k;
}

int64_t to_ns(double s) { return std::llround(s * kNsPerS); }

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
  samples_.push_back(s);
  fit();
}

// The residuals of l (fitted to v[from...]) with those of as many older samples before it, if kept.
std::vector<double> runs_residuals(const std::vector<StatSample>& v, size_t from, const Line& l) {
  size_t m = v.size() - from;
  size_t first = from > m ? from - m : 0;
  std::vector<double> r;
  int64_t t0 = v.back().time_ns;
  for (size_t i = first; i < from; ++i) {
    double x = static_cast<double>(v[i].time_ns - t0) / kNsPerS;
    r.push_back(static_cast<double>(v[i].offset_ns) / kNsPerS - (l.intercept + l.slope * x));
  }
  r.insert(r.end(), l.residuals.begin(), l.residuals.end());
  return r;
}

void SourceStats::fit() {
  estimate_.reset();
  if (samples_.size() < 3) return;
  // The line starts at the oldest sample whose residuals, with those of as
  // many older ones (kept for this), have runs enough for noise: a line
  // through samples the frequency wandered across leaves long runs.
  std::vector<StatSample> all = older_;
  all.insert(all.end(), samples_.begin(), samples_.end());
  size_t from = older_.size();
  Line l = fit_line(all, from);
  for (;;) {
    std::vector<double> r = runs_residuals(all, from, l);
    if (all.size() - from <= kMinStatSamples || count_runs(r) > critical_runs(r.size())) break;
    ++from;
    l = fit_line(all, from);
  }
  // What the line no longer uses stays a while for the runs test (twice the line's samples).
  samples_.assign(all.begin() + static_cast<std::ptrdiff_t>(from), all.end());
  size_t keep = std::min(from, 2 * samples_.size());
  older_.assign(all.begin() + static_cast<std::ptrdiff_t>(from - keep),
                all.begin() + static_cast<std::ptrdiff_t>(from));
  size_t m = samples_.size();
  // The filter with our clock's wander, scaled to the samples' noise as the line's residuals show
  // it, with the line's weights (l is the line through samples_).
  Kalman k = run_kalman(samples_, l.weights, kFrequencyWander / std::max(l.s2, 1e-30));
  SourceEstimate e;
  e.time_ns = samples_.back().time_ns;
  e.first_time_ns = samples_.front().time_ns;
  e.offset_ns = to_ns(k.offset);
  e.freq_ppm = k.freq * 1e6;
  double freq_sd = std::sqrt(std::max(0.0, k.s2 * k.pff));
  e.offset_sd_ns = to_ns(std::sqrt(std::max(0.0, k.s2 * k.poo)));
  e.freq_sd_ppm = std::clamp(freq_sd * 1e6, 1e-6, 1e6);
  e.skew_ppm = std::clamp(freq_sd * t_quantile(m - 2) * 1e6, 1e-6, 1e6);
  e.std_dev_ns = std::max<int64_t>(1, to_ns(std::sqrt(k.s2)));
  e.samples = m;
  estimate_ = e;
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
