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
// Each correction of the rate adds itself to the trend over this many hours.
constexpr int64_t kTrendHours = 1;
// The trend is extrapolated this far at most, and learned only once the rate is known this well.
constexpr int64_t kTrendReachNs = 2 * kHourNs;
constexpr int64_t kTrendFromSdPpb = 50'000;

}  // namespace

SleepTimer::SleepTimer(int64_t tolerance_ppb, int64_t start_rate_ppb, int64_t wander_ppb_per_h)
    : tolerance_ppb_(tolerance_ppb),
      rate_ppb_(start_rate_ppb),
      rate_var_ppb2_(tolerance_ppb * tolerance_ppb),
      wander_ppb_per_h_(wander_ppb_per_h),
      grown_var_ppb2_(tolerance_ppb * tolerance_ppb),
      clock_var_ns2_(kUnknownVarNs2) {}

void SleepTimer::restore(const SleepRecord& r) {
  int64_t cap = tolerance_ppb_ * tolerance_ppb_;
  if (r.timer_learned_utc_ns != 0) {
    rate_ppb_ = r.timer_rate_ppb;
    trend_ppb_per_h_ = r.timer_trend_ppb_per_h;
    rate_var_ppb2_ = min64(r.timer_rate_var_ppb2, cap);
    grown_var_ppb2_ = rate_var_ppb2_;
    learned_utc_ns_ = r.timer_learned_utc_ns;
  }
  clock_var_ns2_ = min64(r.timer_clock_var_ns2, kUnknownVarNs2);
  cov_ns_ppb_ = r.timer_cov_ns_ppb;
  path_delay_ns_ = r.timer_path_delay_ns;
  slept_ns_ = r.timer_slept_ns;
  wander_ppb_per_h_ = max64(wander_ppb_per_h_, r.timer_wander_ppb_per_h);
  readings_ = r.timer_readings;
  consistent_ = r.timer_consistent;
}

void SleepTimer::save(SleepRecord* r) const {
  r->timer_rate_ppb = rate_ppb_;
  r->timer_trend_ppb_per_h = trend_ppb_per_h_;
  r->timer_rate_var_ppb2 = rate_var_ppb2_;
  r->timer_learned_utc_ns = learned_utc_ns_;
  r->timer_clock_var_ns2 = clock_var_ns2_;
  r->timer_cov_ns_ppb = cov_ns_ppb_;
  r->timer_path_delay_ns = path_delay_ns_;
  r->timer_slept_ns = slept_ns_;
  r->timer_wander_ppb_per_h = static_cast<uint32_t>(min64(wander_ppb_per_h_, tolerance_ppb_));
  r->timer_readings = readings_;
  r->timer_consistent = consistent_;
}

bool SleepTimer::trusted() const { return consistent_ >= kTrustedReadings; }

int64_t SleepTimer::rate_var_at(int64_t utc_ns) const {
  int64_t cap = tolerance_ppb_ * tolerance_ppb_;
  if (learned_utc_ns_ == 0) return rate_var_ppb2_;
  int64_t grown_ppb = mul_div(wander_ppb_per_h_, abs64(utc_ns - learned_utc_ns_), kHourNs);
  if (grown_ppb >= tolerance_ppb_) return cap;
  return min64(rate_var_ppb2_ + grown_ppb * grown_ppb, cap);
}

int64_t SleepTimer::rate_sd_ppb(int64_t utc_ns) const { return isqrt(rate_var_at(utc_ns)); }

int64_t SleepTimer::rate_ppb(int64_t utc_ns) const {
  if (learned_utc_ns_ == 0) return rate_ppb_;
  int64_t ahead = max64(min64(utc_ns - learned_utc_ns_, kTrendReachNs), -kTrendReachNs);
  int64_t rate = rate_ppb_ + mul_div(trend_ppb_per_h_, ahead, kHourNs);
  return max64(min64(rate, tolerance_ppb_), -tolerance_ppb_);
}

int64_t SleepTimer::corrected_ns(int64_t slept_ns, int64_t utc_ns) const {
  return slept_ns + scale_ppb(slept_ns, rate_ppb(utc_ns + slept_ns / 2));
}

int64_t SleepTimer::error_ns(int64_t slept_ns, int64_t utc_ns) const {
  // The rate corrected_ns() used, and what may separate it from the truth: the tolerance (and the
  // second-order term of a rate that far off), or once trusted three standard deviations.
  int64_t rate = abs64(rate_ppb(utc_ns + slept_ns / 2));
  int64_t bound_ppb =
      tolerance_ppb_ + rate + mul_div(tolerance_ppb_, tolerance_ppb_ + rate, 1'000'000'000) + 1;
  if (trusted()) bound_ppb = min64(3 * rate_sd_ppb(utc_ns + slept_ns), bound_ppb);
  return scale_ppb(slept_ns, bound_ppb);
}

void SleepTimer::slept(int64_t slept_ns, int64_t utc_ns) {
  if (slept_ns <= 0) return;
  // The rate's variance has grown since the last sleep: theta inherits that growth from now on.
  grown_var_ppb2_ = max64(grown_var_ppb2_, rate_var_at(utc_ns));
  int64_t moved_cov = scale_ppb(slept_ns, grown_var_ppb2_);  // S var(rho), ns*ppb
  int64_t var = clock_var_ns2_ + 2 * scale_ppb(slept_ns, cov_ns_ppb_) + scale_ppb(slept_ns, moved_cov);
  clock_var_ns2_ = min64(max64(var, 0), kUnknownVarNs2);
  cov_ns_ppb_ += moved_cov;
  slept_ns_ += slept_ns;
}

int64_t SleepTimer::on_wake_sample(int64_t offset_ns, int64_t sample_sd, int64_t utc_ns, int64_t* sd_ns) {
  slept_ns_ = 0;
  sample_sd = max64(sample_sd, kFloorNs);
  int64_t noise_var = sample_sd * sample_sd;
  int64_t total = clock_var_ns2_ + noise_var;
  if (mul_wide(16, total) < mul_wide(offset_ns, offset_ns)) {
    // Beyond four standard deviations: the rate wanders faster than assumed (or the server
    // moved).  The samples are taken as they are, the wander doubles, and the filter must earn
    // trust again.
    consistent_ = 0;
    wander_ppb_per_h_ = min64(2 * wander_ppb_per_h_, tolerance_ppb_);
    clock_var_ns2_ = noise_var;
    cov_ns_ppb_ = 0;
    *sd_ns = sample_sd;
    return offset_ns;
  }
  int64_t correction = mul_div(clock_var_ns2_, offset_ns, total);
  int64_t rate_step = mul_div(cov_ns_ppb_, offset_ns, total);
  bool known = trusted() && grown_var_ppb2_ < kTrendFromSdPpb * kTrendFromSdPpb;
  rate_ppb_ = rate_ppb(utc_ns) + rate_step;
  if (known) {
    trend_ppb_per_h_ =
        max64(min64(trend_ppb_per_h_ + rate_step / kTrendHours, tolerance_ppb_), -tolerance_ppb_);
  }
  int64_t rate_var = grown_var_ppb2_ - mul_div(cov_ns_ppb_, cov_ns_ppb_, total);
  int64_t cov = cov_ns_ppb_ - mul_div(clock_var_ns2_, cov_ns_ppb_, total);
  clock_var_ns2_ -= mul_div(clock_var_ns2_, clock_var_ns2_, total);
  cov_ns_ppb_ = cov;
  rate_var_ppb2_ = max64(rate_var, 1);
  grown_var_ppb2_ = rate_var_ppb2_;
  learned_utc_ns_ = utc_ns;
  if (readings_ < 0xFFFF) ++readings_;
  if (consistent_ < 0xFFFF) ++consistent_;
  *sd_ns = isqrt(clock_var_ns2_);
  return correction;
}

void SleepTimer::clock_steered(int64_t sd_ns, int64_t path_delay_ns) {
  slept_ns_ = 0;
  clock_var_ns2_ =
      min64(mul_wide(sd_ns, sd_ns) < Int128(kUnknownVarNs2) ? sd_ns * sd_ns : kUnknownVarNs2, kUnknownVarNs2);
  cov_ns_ppb_ = 0;
  if (path_delay_ns > 0) path_delay_ns_ = path_delay_ns;
}

void SleepTimer::forget_sleep() {
  slept_ns_ = 0;
  clock_var_ns2_ = kUnknownVarNs2;
  cov_ns_ppb_ = 0;
}

}  // namespace lansync::fw
