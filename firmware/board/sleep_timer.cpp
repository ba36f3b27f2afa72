// The sleep timer's learned rate and the clock across deep sleep; see sleep_timer.hpp.
#include "firmware/board/sleep_timer.hpp"

#include "firmware/board/sleep.hpp"
#include "firmware/board/wide.hpp"

namespace lansync::fw {
namespace {

constexpr int64_t kHourNs = int64_t{3600} * 1'000'000'000;
// The least noise of a sample (timestamping, the server), ns.
constexpr int64_t kFloorNs = 20'000;
// var(theta) of a clock the filter knows nothing about: (1 s)^2.
constexpr int64_t kUnknownVarNs2 = int64_t{1'000'000'000} * 1'000'000'000;
// How fast the trend wanders: a random walk of this spectral density, (ppb/h)^2 per hour
// (1e-3 (ppb/s)^2 per s).  A daily swing of 150 ppm moves the trend by 3 ppb/h every
// second at most; this follows that while averaging the bursts' noise over half an hour or so.
constexpr int64_t kJerk = 46'656'000;
// The rate is extrapolated along the trend this far at most.
constexpr int64_t kTrendReachNs = 2 * kHourNs;

int64_t clamp64(int64_t v, int64_t limit) { return max64(min64(v, limit), -limit); }
int64_t sum(Int128 a, Int128 b, Int128 c = Int128(0)) { return (a + b + c).saturate(); }
// a * b / c, rounded to nearest (half away from zero), saturated.
int64_t mul_div_nearest(int64_t a, int64_t b, int64_t c) {
  Int128 p = mul_wide(a, b);
  Int128 half(c / 2);
  return div_wide(p.negative() ? p - half : p + half, Int128(c));
}

}  // namespace

SleepTimer::SleepTimer(int64_t tolerance_ppb, int64_t start_rate_ppb, int64_t wander_ppb_per_h)
    : tolerance_ppb_(tolerance_ppb), wander_ppb_per_h_(wander_ppb_per_h), rate_ppb_(start_rate_ppb) {
  p_.tt = kUnknownVarNs2;
  p_.rr = tolerance_ppb * tolerance_ppb;
  p_.dd = wander_ppb_per_h * wander_ppb_per_h;
  settle(&p_);
}

void SleepTimer::restore(const SleepRecord& r) {
  if (r.timer_learned_utc_ns != 0) {
    learned_utc_ns_ = r.timer_learned_utc_ns;
    rate_ppb_ = clamp64(r.timer_rate_ppb, tolerance_ppb_);
    trend_ppb_per_h_ = clamp64(r.timer_trend_ppb_per_h, tolerance_ppb_);
    p_.rr = r.timer_rate_var_ppb2;
    p_.dd = r.timer_trend_var;
    p_.rd = r.timer_cov_rate_trend;
  }
  p_.tt = r.timer_clock_var_ns2;
  p_.tr = r.timer_cov_ns_ppb;
  p_.td = r.timer_cov_ns_trend;
  settle(&p_);
  path_delay_ns_ = r.timer_path_delay_ns;
  slept_ns_ = r.timer_slept_ns;
  wander_ppb_per_h_ = max64(wander_ppb_per_h_, r.timer_wander_ppb_per_h);
  readings_ = r.timer_readings;
  consistent_ = r.timer_consistent;
}

void SleepTimer::save(SleepRecord* r) const {
  r->timer_rate_ppb = rate_ppb_;
  r->timer_trend_ppb_per_h = trend_ppb_per_h_;
  r->timer_learned_utc_ns = learned_utc_ns_;
  r->timer_clock_var_ns2 = p_.tt;
  r->timer_cov_ns_ppb = p_.tr;
  r->timer_cov_ns_trend = p_.td;
  r->timer_rate_var_ppb2 = p_.rr;
  r->timer_cov_rate_trend = p_.rd;
  r->timer_trend_var = p_.dd;
  r->timer_path_delay_ns = path_delay_ns_;
  r->timer_slept_ns = slept_ns_;
  r->timer_wander_ppb_per_h = static_cast<uint32_t>(min64(wander_ppb_per_h_, tolerance_ppb_));
  r->timer_readings = readings_;
  r->timer_consistent = consistent_;
}

bool SleepTimer::trusted() const { return consistent_ >= kTrustedReadings; }

void SleepTimer::settle(Cov* p) const {
  // A long time unheard: theta is unknown, the rate known to the tolerance, its trend to the
  // tolerance per hour.  A variance cut to its cap takes its covariances down with it.
  int64_t tol2 = tolerance_ppb_ * tolerance_ppb_;
  int64_t* var[3] = {&p->tt, &p->rr, &p->dd};
  int64_t* cov[3][3] = {{nullptr, &p->tr, &p->td}, {&p->tr, nullptr, &p->rd}, {&p->td, &p->rd, nullptr}};
  int64_t caps[3] = {kUnknownVarNs2, tol2, tol2};
  int64_t sd[3] = {};
  for (int i = 0; i < 3; ++i) {
    int64_t v = max64(*var[i], 1);
    if (v > caps[i]) {
      int64_t from = isqrt(v);
      int64_t to = isqrt(caps[i]);
      for (int j = 0; j < 3; ++j) {
        if (cov[i][j] != nullptr) *cov[i][j] = mul_div(*cov[i][j], to, from);
      }
      v = caps[i];
    }
    *var[i] = v;
    sd[i] = isqrt(v) + 1;
  }
  // Rounding may leave a correlation a hair beyond 1.
  p->tr = clamp64(p->tr, sd[0] * sd[1]);
  p->td = clamp64(p->td, sd[0] * sd[2]);
  p->rd = clamp64(p->rd, sd[1] * sd[2]);
}

void SleepTimer::advance(Cov* p, int64_t span_ns, bool asleep) const {
  if (span_ns <= 0) return;
  // x' = F x with F = [1 a b; 0 1 c; 0 0 1]: c = span in hours (the rate takes the trend's
  // share), and asleep a = span / 1e9 (ns per ppb) and b = a c / 2 (theta takes the rate's
  // share and half the trend's); awake theta stands.  P' = F P F^T + Q.
  auto by_a = [&](int64_t v) { return asleep ? scale_ppb(span_ns, v) : 0; };
  auto by_b = [&](int64_t v) { return asleep ? mul_div(scale_ppb(span_ns, v), span_ns, 2 * kHourNs) : 0; };
  auto by_c = [&](int64_t v) { return mul_div(v, span_ns, kHourNs); };
  // F P, row by row (the third row is P's own).
  int64_t x0 = sum(p->tt, by_a(p->tr), by_b(p->td));
  int64_t x1 = sum(p->tr, by_a(p->rr), by_b(p->rd));
  int64_t x2 = sum(p->td, by_a(p->rd), by_b(p->dd));
  int64_t y1 = sum(p->rr, by_c(p->rd));
  int64_t y2 = sum(p->rd, by_c(p->dd));
  // (F P) F^T, and the trend's random walk integrated over the span: with c as above and q
  // kJerk, Q = q [a^2 c^3/20, a c^3/8, a c^2/6; . c^3/3, c^2/2; . . c].
  int64_t q_dd = by_c(kJerk);
  int64_t q_rd = mul_div(q_dd, span_ns, 2 * kHourNs);
  int64_t q_rr = mul_div(q_rd, 2 * span_ns, 3 * kHourNs);
  p->tt = sum(x0, by_a(x1), by_b(x2));
  p->tt = sum(p->tt, mul_div(by_a(by_a(q_rr)), 3, 20));
  p->tr = sum(x1, by_c(x2), mul_div(by_a(q_rr), 3, 8));
  p->td = sum(x2, by_a(q_rd) / 3);
  p->rr = sum(y1, by_c(y2), q_rr);
  p->rd = sum(y2, q_rd);
  p->dd = sum(p->dd, q_dd);
  settle(p);
}

void SleepTimer::sleep(Cov* p, int64_t slept_ns) const {
  // Besides its trend, the rate may step by up to the wander over the sleep (a uniform step:
  // variance a third of its square).
  int64_t step = min64(mul_div(wander_ppb_per_h_, slept_ns, kHourNs), tolerance_ppb_);
  p->rr = sum(p->rr, step * step / 3);
  advance(p, slept_ns, true);
}

void SleepTimer::advance_awake(int64_t utc_ns) {
  if (learned_utc_ns_ == 0 || utc_ns <= learned_utc_ns_) return;
  rate_ppb_ = rate_ppb(utc_ns);
  advance(&p_, utc_ns - learned_utc_ns_, false);
  learned_utc_ns_ = utc_ns;
}

int64_t SleepTimer::rate_sd_ppb(int64_t utc_ns) const {
  SleepTimer t = *this;
  t.advance_awake(utc_ns);
  return isqrt(t.p_.rr);
}

int64_t SleepTimer::rate_ppb(int64_t utc_ns) const {
  if (learned_utc_ns_ == 0) return rate_ppb_;
  int64_t ahead = clamp64(utc_ns - learned_utc_ns_, kTrendReachNs);
  return clamp64(rate_ppb_ + mul_div_nearest(trend_ppb_per_h_, ahead, kHourNs), tolerance_ppb_);
}

int64_t SleepTimer::corrected_ns(int64_t slept_ns, int64_t utc_ns) const {
  return slept_ns + scale_ppb(slept_ns, rate_ppb(utc_ns + slept_ns / 2));
}

int64_t SleepTimer::error_ns(int64_t slept_ns, int64_t utc_ns) const {
  // The rate corrected_ns() used, and what may separate it from the truth: the tolerance (and the
  // second-order term of a rate that far off), or once trusted three standard deviations of what
  // the sleep adds to theta.
  int64_t rate = abs64(rate_ppb(utc_ns + slept_ns / 2));
  int64_t bound_ppb =
      tolerance_ppb_ + rate + mul_div(tolerance_ppb_, tolerance_ppb_ + rate, 1'000'000'000) + 1;
  int64_t bound = scale_ppb(slept_ns, bound_ppb);
  if (!trusted() || learned_utc_ns_ == 0) return bound;
  SleepTimer t = *this;
  t.advance_awake(utc_ns);
  t.p_.tt = 0;
  t.p_.tr = 0;
  t.p_.td = 0;
  t.sleep(&t.p_, slept_ns);
  return min64(3 * isqrt(t.p_.tt) + 1, bound);
}

void SleepTimer::slept(int64_t slept_ns, int64_t utc_ns) {
  if (slept_ns <= 0) return;
  int64_t start_utc_ns = utc_ns - slept_ns;
  advance_awake(start_utc_ns);
  // The rate in the middle of the sleep is what corrected_ns() used: the state moves on to the
  // wake along the trend, and the covariance with it.
  if (learned_utc_ns_ != 0) {
    rate_ppb_ = rate_ppb(max64(utc_ns, learned_utc_ns_));
    learned_utc_ns_ = max64(utc_ns, learned_utc_ns_);
  }
  sleep(&p_, slept_ns);
  slept_ns_ += slept_ns;
}

int64_t SleepTimer::on_wake_sample(int64_t offset_ns, int64_t sample_sd, int64_t utc_ns, int64_t* sd_ns) {
  int64_t slept_ns = slept_ns_;
  slept_ns_ = 0;
  if (learned_utc_ns_ == 0) learned_utc_ns_ = utc_ns;
  advance_awake(utc_ns);
  sample_sd = max64(sample_sd, kFloorNs);
  int64_t noise_var = sample_sd * sample_sd;
  int64_t total = sum(p_.tt, noise_var);
  if (mul_wide(16, total) < mul_wide(offset_ns, offset_ns)) {
    // Beyond four standard deviations: the rate jumped (or the server moved).  The samples are
    // taken as they are, the rate is as uncertain as twice the jump the sleep showed (so the
    // next wakes learn it anew), and the filter must earn trust again.  The wander stays: a
    // timer that jumped once is no less smooth between its jumps.
    consistent_ = 0;
    int64_t jump_ppb = slept_ns > 0
                           ? min64(mul_div(2 * abs64(offset_ns), 1'000'000'000, slept_ns), tolerance_ppb_)
                           : tolerance_ppb_;
    p_.rr = sum(p_.rr, jump_ppb * jump_ppb);
    p_.tt = noise_var;
    p_.tr = 0;
    p_.td = 0;
    settle(&p_);
    *sd_ns = sample_sd;
    return offset_ns;
  }
  // The gain is P's first column over the innovation's variance.
  int64_t correction = mul_div(p_.tt, offset_ns, total);
  rate_ppb_ = clamp64(rate_ppb_ + mul_div(p_.tr, offset_ns, total), tolerance_ppb_);
  trend_ppb_per_h_ = clamp64(trend_ppb_per_h_ + mul_div(p_.td, offset_ns, total), tolerance_ppb_);
  Cov p = p_;
  p_.tt -= mul_div(p.tt, p.tt, total);
  p_.tr -= mul_div(p.tt, p.tr, total);
  p_.td -= mul_div(p.tt, p.td, total);
  p_.rr -= mul_div(p.tr, p.tr, total);
  p_.rd -= mul_div(p.tr, p.td, total);
  p_.dd -= mul_div(p.td, p.td, total);
  settle(&p_);
  if (readings_ < 0xFFFF) ++readings_;
  if (consistent_ < 0xFFFF) ++consistent_;
  *sd_ns = isqrt(p_.tt);
  return correction;
}

void SleepTimer::clock_steered(int64_t sd_ns, int64_t path_delay_ns) {
  slept_ns_ = 0;
  p_.tt = mul_wide(sd_ns, sd_ns) < Int128(kUnknownVarNs2) ? sd_ns * sd_ns : kUnknownVarNs2;
  p_.tr = 0;
  p_.td = 0;
  settle(&p_);
  if (path_delay_ns > 0) path_delay_ns_ = path_delay_ns;
}

void SleepTimer::forget_sleep() {
  slept_ns_ = 0;
  p_.tt = kUnknownVarNs2;
  p_.tr = 0;
  p_.td = 0;
}

}  // namespace lansync::fw
