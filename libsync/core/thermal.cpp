// The crystal's frequency against its temperature; see thermal.hpp.
#include "core/thermal.hpp"

#include <algorithm>
#include <cmath>

namespace lansync::core {
namespace {

constexpr double kNsPerS = 1e9;
constexpr double kNsPerUs = 1e3;
constexpr double kTwoPi = 6.283185307179586;
// The rest of the crystal's error walks as the discipline's (kFrequencyWander, 1e-18 (s/s)^2 per
// s): ppm^2 per s.
constexpr double kWanderPpm2PerS = 1e-6;
// The coefficients age slowly: a hundredth of a ppm per degree a day, and of the curvature a
// two-thousandth (their variance grows by the square of that a day).
constexpr double kAgingAPerS = 1e-4 / 86400;
constexpr double kAgingBPerS = 2.5e-7 / 86400;
// What is known of them before anything is learnt: a crystal's slope is within a ppm per degree,
// its curvature within 0.02 ppm per degree^2 (a Pi's is about -0.008: 0.25 ppm per degree 15
// degrees from its turnover); of w, nothing (a crystal's 1000 ppm).
constexpr double kPriorVarA = 1;
constexpr double kPriorVarB = 0.0004;
constexpr double kPriorVarW = 1e6;
// An innovation beyond this many standard errors is a jump of the phase (the clock set by
// someone else, another reference), not evidence: the phase starts again from it.
constexpr double kJumpSigmas = 10;
// A restored curve's lag starts this far ahead of the others, and they twice as far ahead of the
// model without temperature (log-likelihood: e^3, 20 times likelier).
constexpr double kRestoredHeadStart = 3;
// The range learnt is widened by this much each way before the curve stops following (degrees).
constexpr double kRangeMarginC = 1;

using Matrix4 = std::array<std::array<double, 4>, 4>;

void symmetrize(Matrix4& p) {
  for (size_t i = 0; i < 4; ++i) {
    for (size_t j = i + 1; j < 4; ++j) p[i][j] = p[j][i] = (p[i][j] + p[j][i]) / 2;
  }
}

}  // namespace

void CorrectionLedger::add(const Change& c) {
  changes_.push_back(c);
  if (changes_.size() > kLedgerChanges) changes_.pop_front();
}

void CorrectionLedger::set_frequency(int64_t t_ns, double ppm) {
  add({t_ns, static_cast<double>(total_ns(t_ns)), ppm});
}

void CorrectionLedger::step(int64_t t_ns, int64_t offset_ns) {
  add({t_ns, static_cast<double>(total_ns(t_ns) + offset_ns), frequency_ppm()});
}

int64_t CorrectionLedger::total_ns(int64_t t_ns) const {
  if (changes_.empty()) return 0;
  // The last change at or before t_ns, else the oldest kept.
  auto c = changes_.rbegin();
  while (c + 1 != changes_.rend() && c->t_ns > t_ns) ++c;
  return std::llround(c->total_ns + c->ppm * 1e-6 * static_cast<double>(t_ns - c->t_ns));
}

double ThermalCurve::from_t0(double c) const {
  return std::clamp(c, min_c - kRangeMarginC, max_c + kRangeMarginC) - t0_c;
}

bool ThermalCurve::covers(double c) const { return c >= min_c - kRangeMarginC && c <= max_c + kRangeMarginC; }

double ThermalCurve::gain_ppm(double c) const {
  double d = from_t0(c);
  return a_ppm_per_c * d + b_ppm_per_c2 * d * d;
}

double ThermalCurve::gain_sd_ppm(double c) const {
  double d = from_t0(c);
  return std::sqrt(std::max(0.0, d * d * var_a + d * d * d * d * var_b + 2 * d * d * d * cov_ab));
}

void ThermalLag::integrate_to(int64_t t_ns, double t0_c) {
  double dt = static_cast<double>(t_ns - reading_ns_) / kNsPerS;
  if (dt <= 0) return;
  // The lagged temperature relaxes from x_ towards the held reading s_: x(t) = s + d e^(-t/lag).
  double d = x_ - s_, m = s_ - t0_c;
  double e1 = std::exp(-dt / lag_s_);
  double f1 = lag_s_ * (1 - e1), f2 = lag_s_ / 2 * (1 - e1 * e1);
  g1_ += m * dt + d * f1;
  g2_ += m * m * dt + 2 * m * d * f1 + d * d * f2;
  span_s_ += dt;
  x_ = s_ + d * e1;
  span_min_c_ = std::min(span_min_c_, x_);
  span_max_c_ = std::max(span_max_c_, x_);
  reading_ns_ = t_ns;
}

void ThermalLag::add_temperature(int64_t t_ns, double celsius, double t0_c) {
  if (!have_x_) {
    have_x_ = true;
    x_ = s_ = span_min_c_ = span_max_c_ = celsius;
    reading_ns_ = t_ns;
    return;
  }
  integrate_to(t_ns, t0_c);
  s_ = celsius;
}

void ThermalLag::start_phase(int64_t phase_ns, double r) {
  anchor_ns_ = phase_ns;
  x4_[0] = 0;
  for (size_t i = 0; i < 4; ++i) p4_[0][i] = p4_[i][0] = 0;
  p4_[0][0] = r;
  span_s_ = g1_ = g2_ = 0;
  span_min_c_ = span_max_c_ = x_;
}

void ThermalLag::predict() {
  double dt = span_s_;
  x4_[0] -= x4_[1] * dt + x4_[2] * g1_ + x4_[3] * g2_;
  // P = F P F' + Q, F the identity but for its first row f.
  const std::array<double, 4> f = {1, -dt, -g1_, -g2_};
  std::array<double, 4> fp{};  // f P
  for (size_t j = 0; j < 4; ++j) {
    for (size_t k = 0; k < 4; ++k) fp[j] += f[k] * p4_[k][j];
  }
  for (size_t j = 1; j < 4; ++j) p4_[0][j] = p4_[j][0] = fp[j];
  p4_[0][0] = 0;
  for (size_t k = 0; k < 4; ++k) p4_[0][0] += fp[k] * f[k];
  // w's walk over the span, as it moves the phase; the coefficients' aging.
  double q = kWanderPpm2PerS;
  p4_[0][0] += q * dt * dt * dt / 3;
  p4_[0][1] = p4_[1][0] = p4_[0][1] - q * dt * dt / 2;
  p4_[1][1] += q * dt;
  if (fixed_) return;
  p4_[2][2] += kAgingAPerS * dt;
  p4_[3][3] += kAgingBPerS * dt;
}

void ThermalLag::correct(double nu, double s) {
  std::array<double, 4> k{};
  for (size_t i = 0; i < 4; ++i) k[i] = p4_[i][0] / s;
  Matrix4 p = p4_;
  for (size_t i = 0; i < 4; ++i) {
    x4_[i] += k[i] * nu;
    for (size_t j = 0; j < 4; ++j) p4_[i][j] = p[i][j] - k[i] * p[0][j];
  }
  symmetrize(p4_);
  // The phase kept small against its anchor.
  int64_t moved = std::llround(x4_[0] * kNsPerUs);
  anchor_ns_ += moved;
  x4_[0] -= static_cast<double>(moved) / kNsPerUs;
}

std::optional<double> ThermalLag::add_phase(int64_t t_ns, int64_t phase_ns, int64_t err_ns, double t0_c) {
  if (!have_x_) return std::nullopt;
  integrate_to(t_ns, t0_c);
  double r = std::pow(std::max<double>(1, static_cast<double>(err_ns)) / kNsPerUs, 2);
  if (!have_phase_) {
    have_phase_ = true;
    if (points_ == 0) {  // nothing restored: the prior
      p4_[2][2] = fixed_ ? 0 : kPriorVarA;
      p4_[3][3] = fixed_ ? 0 : kPriorVarB;
      min_c_ = max_c_ = x_;
    }
    x4_[1] = 0;
    p4_[1][1] = kPriorVarW;
    start_phase(phase_ns, r);
    return std::nullopt;
  }
  double dt = span_s_;
  predict();
  double nu = static_cast<double>(phase_ns - anchor_ns_) / kNsPerUs - x4_[0];
  double s = p4_[0][0] + r, sigmas2 = nu * nu / s;
  if (points_ >= 3 && sigmas2 > kJumpSigmas * kJumpSigmas) {
    start_phase(phase_ns, r);
    return -0.5 * (std::log(kTwoPi * s) + kJumpSigmas * kJumpSigmas);
  }
  correct(nu, s);
  // What the curve was learnt over, and what it left unexplained (as a frequency over the span).
  min_c_ = std::min(min_c_, span_min_c_);
  max_c_ = std::max(max_c_, span_max_c_);
  ++points_;
  // The innovations against what the filter expected of them (their variance s): what scales the
  // coefficients' covariance, if the errors of the phases were stated too small; and, once the
  // prediction is as good as a phase (the filter has settled), their size.
  double fade = std::exp(-dt / kThermalMemoryS);
  sum_nis_ = sum_nis_ * fade + sigmas2;
  sum_n_ = sum_n_ * fade + 1;
  if (s < 4 * r) {
    sum_r2_ = sum_r2_ * fade + nu * nu;
    sum_w_ = sum_w_ * fade + 1;
  }
  span_s_ = g1_ = g2_ = 0;
  span_min_c_ = span_max_c_ = x_;
  return -0.5 * (std::log(kTwoPi * s) + sigmas2);
}

void ThermalLag::restore(const ThermalCurve& c) {
  if (fixed_) return;
  x4_[2] = c.a_ppm_per_c;
  x4_[3] = c.b_ppm_per_c2;
  p4_[2][2] = c.var_a;
  p4_[3][3] = c.var_b;
  p4_[2][3] = p4_[3][2] = c.cov_ab;
  min_c_ = c.min_c;
  max_c_ = c.max_c;
  points_ = c.points;
  sum_r2_ = c.residual_us * c.residual_us;
  sum_w_ = 1;
}

ThermalCurve ThermalLag::curve(double t0_c) const {
  ThermalCurve c;
  c.lag_s = lag_s_;
  c.t0_c = t0_c;
  c.a_ppm_per_c = x4_[2];
  c.b_ppm_per_c2 = x4_[3];
  double scale = sum_n_ > 0 ? std::max(1.0, sum_nis_ / sum_n_) : 1;
  c.var_a = p4_[2][2] * scale;
  c.var_b = p4_[3][3] * scale;
  c.cov_ab = p4_[2][3] * scale;
  c.min_c = min_c_;
  c.max_c = max_c_;
  c.points = points_;
  c.residual_us = sum_w_ > 0 ? std::sqrt(sum_r2_ / sum_w_) : 0;
  return c;
}

ThermalModel::ThermalModel() {
  for (size_t i = 0; i < lags_.size(); ++i) lags_[i] = ThermalLag(kThermalLagsS[i]);
}

void ThermalModel::restore(const ThermalCurve& c) {
  have_t0_ = true;
  t0_c_ = c.t0_c;
  for (ThermalLag& l : lags_) l.restore(c);
  auto nearest = [&](size_t i) { return std::fabs(std::log(kThermalLagsS[i] / std::max(1.0, c.lag_s))); };
  best_ = 0;
  for (size_t i = 1; i < lags_.size(); ++i) {
    if (nearest(i) < nearest(best_)) best_ = i;
  }
  restored_ = c;
  // The evidence the curve was learnt from is not here to weigh again: the curve starts ahead
  // of the model without temperature, and its own lag ahead of the others.
  score_.fill(2 * kRestoredHeadStart);
  none_score_ = 0;
  score_[best_] = 3 * kRestoredHeadStart;
}

void ThermalModel::add_temperature(int64_t t_ns, double celsius) {
  if (!std::isfinite(celsius)) return;
  if (!have_t0_) {
    have_t0_ = true;
    t0_c_ = celsius;
  }
  for (ThermalLag& l : lags_) l.add_temperature(t_ns, celsius, t0_c_);
  none_.add_temperature(t_ns, celsius, t0_c_);
  last_c_ = celsius;
}

void ThermalModel::add_phase(int64_t t_ns, int64_t phase_ns, int64_t err_ns) {
  const ThermalLag& any = lags_[0];
  if (!any.has_temperature() || t_ns - any.last_reading_ns() > kThermalReadingMaxAgeNs) return;
  double fade = last_phase_ns_ == 0
                    ? 1
                    : std::exp(-static_cast<double>(t_ns - last_phase_ns_) / kNsPerS / kThermalMemoryS);
  last_phase_ns_ = t_ns;
  for (size_t i = 0; i < lags_.size(); ++i) {
    std::optional<double> ll = lags_[i].add_phase(t_ns, phase_ns, err_ns, t0_c_);
    score_[i] = score_[i] * fade + ll.value_or(0);
  }
  none_score_ = none_score_ * fade + none_.add_phase(t_ns, phase_ns, err_ns, t0_c_).value_or(0);
  best_ = static_cast<size_t>(std::max_element(score_.begin(), score_.end()) - score_.begin());
}

int64_t ThermalModel::learning_points() const { return lags_[best_].curve(t0_c_).points; }

bool ThermalModel::ready() const {
  if (restored_ && restored_->points >= kThermalMinPoints) return true;
  return lags_[best_].curve(t0_c_).points >= kThermalMinPoints;
}

std::optional<ThermalCurve> ThermalModel::curve() const {
  if (ready()) return lags_[best_].curve(t0_c_);
  if (restored_) return restored_;
  return std::nullopt;
}

double ThermalModel::correction_ppm() const {
  if (!curve() || !lags_[0].has_temperature()) return 0;
  // Each lag's gain at its lagged temperature, weighed by how likely its record makes it (its
  // score: a log-likelihood); their spread counts as the gain's error, beside each one's own.
  double top = std::max(none_score_, *std::max_element(score_.begin(), score_.end()));
  double sum_p = std::exp(none_score_ - top), mean = 0, second = 0;  // the model without: no gain
  for (size_t i = 0; i < lags_.size(); ++i) {
    ThermalCurve c = lags_[i].curve(t0_c_);
    double p = std::exp(score_[i] - top);
    double x = lags_[i].lagged_c(), g = c.gain_ppm(x), sd = c.gain_sd_ppm(x);
    sum_p += p;
    mean += p * g;
    second += p * (g * g + sd * sd);
  }
  mean /= sum_p;
  double var = std::max(0.0, second / sum_p - mean * mean);
  // Only as much of the gain as is known: none of one within its own error, nearly all of one
  // four times larger (shrunk by g^2 / (g^2 + (2 sd)^2)).
  double known = mean * mean / (mean * mean + 4 * var + 1e-30);
  return std::clamp(-mean * known, -kMaxThermalCorrectionPpm, kMaxThermalCorrectionPpm);
}

std::optional<double> ThermalModel::temperature_c() const {
  if (!lags_[0].has_temperature()) return std::nullopt;
  return last_c_;
}

}  // namespace lansync::core
