// Weighted regression of the reference's time on the local counter; see estimator.hpp.
#include "firmware/core/estimator.hpp"

#include "firmware/core/wide.hpp"

namespace lansync::fw {
namespace {

// x is counted in units of 2^20 ns (about 1 ms): hours of history then fit in
// 26 bits, and a slope in ns per unit times 2^12 is a frequency in 2^-32 units.
constexpr unsigned kXShift = 20;
constexpr unsigned kSlopeToQ32Shift = 32 - kXShift;
// Weights are 2^30 / sigma^2 with sigma in microseconds, so 1/sigma^2 in ns^-2
// is w / kWeightScale.
constexpr int64_t kWeightScale = (int64_t{1} << 30) * 1'000'000;
// The runs test needs this many samples to say anything.
constexpr size_t kMinRunsSamples = 8;

int64_t weight(int64_t sigma_ns) {
  int64_t us = (sigma_ns + 999) / 1000;
  if (us < 1) us = 1;
  if (us > (int64_t{1} << 20)) us = int64_t{1} << 20;
  int64_t w = (int64_t{1} << 30) / (us * us);
  return w < 1 ? 1 : w;
}

// One-sided runs test at about 5%: true when the signs of n residuals, n1 of
// them positive, form too few runs to be random.  With A = 2 n1 n2, the runs
// of a random sequence have mean (A + n) / n and variance A (A - n) /
// (n^2 (n - 1)); too few means runs < mean - 1.645 sd, squared and multiplied
// out so that it stays in integers (1.645^2 is taken as 2.7).
bool too_few_runs(int64_t n, int64_t n1, int64_t runs) {
  int64_t n2 = n - n1;
  if (n1 == 0 || n2 == 0) return false;
  int64_t a = 2 * n1 * n2;
  int64_t deficit = a + n - runs * n;  // n * (mean - runs)
  if (deficit <= 0) return false;
  return 10 * deficit * deficit * (n - 1) > 27 * a * (a - n);
}

}  // namespace

int64_t Fit::predict(int64_t at_local_ns) const {
  int64_t d = at_local_ns - local_ns;
  return utc_ns + d + scale_q32(d, freq_q32);
}

void Estimator::add(const Sample& s) {
  if (count_ == kCapacity) drop_oldest(1);
  ring_[(first_ + count_) % kCapacity] = s;
  ++count_;
}

void Estimator::expire(int64_t oldest_local_ns) {
  size_t n = 0;
  while (n < count_ && at(n).local_ns < oldest_local_ns) ++n;
  drop_oldest(n);
}

void Estimator::drop_oldest(size_t n) {
  if (n > count_) n = count_;
  first_ = (first_ + n) % kCapacity;
  count_ -= n;
}

int64_t Estimator::sigma_ns(int64_t delay_ns, int64_t min_delay_ns) const {
  int64_t excess = delay_ns > min_delay_ns ? delay_ns - min_delay_ns : 0;
  return sigma_floor_ns_ + excess / 2;
}

Fit Estimator::fit(int64_t freq_hint_q32) {
  size_t first = 0;
  Fit f;
  for (;;) {
    bool random_runs = true;
    f = fit_range(first, freq_hint_q32, &random_runs);
    size_t n = count_ - first;
    if (random_runs || n <= kMinRunsSamples) break;
    size_t drop = n / 4;
    if (n - drop < kMinRunsSamples) drop = n - kMinRunsSamples;
    first += drop < 1 ? 1 : drop;
  }
  drop_oldest(first);
  return f;
}

Fit Estimator::fit_range(size_t first, int64_t freq_hint_q32, bool* random_runs) const {
  Fit f;
  *random_runs = true;
  size_t n = count_ - first;
  if (n == 0) return f;
  const Sample& newest = at(count_ - 1);
  f.ok = true;
  f.local_ns = newest.local_ns;
  f.utc_ns = newest.utc_ns;
  f.freq_q32 = freq_hint_q32;
  f.used = n;
  f.min_delay_ns = newest.delay_ns;
  for (size_t i = first; i < count_; ++i) {
    if (at(i).delay_ns < f.min_delay_ns) f.min_delay_ns = at(i).delay_ns;
  }
  f.offset_sd_ns = sigma_ns(newest.delay_ns, f.min_delay_ns);

  // y: the reference's time less the line through the newest sample at the
  // hinted frequency, so that the sums see only what the hint got wrong.
  auto d_of = [&](size_t i) { return at(i).local_ns - newest.local_ns; };
  auto y_of = [&](size_t i) {
    int64_t d = d_of(i);
    return at(i).utc_ns - (newest.utc_ns + d + scale_q32(d, freq_hint_q32));
  };
  auto w_of = [&](size_t i) { return weight(sigma_ns(at(i).delay_ns, f.min_delay_ns)); };

  int64_t sw = 0;
  Int128 swx, swy;
  for (size_t i = first; i < count_; ++i) {
    int64_t w = w_of(i);
    sw += w;
    swx += mul_wide(w, d_of(i) >> kXShift);
    swy += mul_wide(w, y_of(i));
  }
  int64_t xbar = div_wide(swx, Int128(sw));
  int64_t ybar = div_wide(swy, Int128(sw));

  Int128 sxx, sxy;
  for (size_t i = first; i < count_; ++i) {
    int64_t wdx = w_of(i) * ((d_of(i) >> kXShift) - xbar);
    sxx += mul_wide(wdx, (d_of(i) >> kXShift) - xbar);
    sxy += mul_wide(wdx, y_of(i) - ybar);
  }
  if (n < kMinFreqSamples || !(Int128(0) < sxx)) return f;

  // Var(slope) = 1 / sum((x - xbar)^2 / sigma^2), in (ns per unit)^2; times 2^24 in q32^2.
  int64_t freq_var = div_wide(mul_wide(kWeightScale, int64_t{1} << (2 * kSlopeToQ32Shift)), sxx);
  int64_t freq_sd = isqrt(freq_var);
  if (freq_sd > kMaxFreqSdQ32) return f;

  int64_t slope_q32 = div_wide(sxy << kSlopeToQ32Shift, sxx);
  int64_t a = ybar - scale_q32(xbar * (int64_t{1} << kXShift), slope_q32);
  f.freq_fitted = true;
  f.freq_q32 = freq_hint_q32 + slope_q32;
  f.freq_sd_q32 = freq_sd;
  f.utc_ns = newest.utc_ns + a;
  // Var(prediction at the anchor) = Var(ybar) + xbar^2 Var(slope).
  int64_t offset_var = div_wide(Int128(kWeightScale), Int128(sw)) +
                       div_wide(mul_wide(xbar * xbar, kWeightScale), sxx);
  f.offset_sd_ns = isqrt(offset_var);

  // The runs test counts only residuals beyond the noise floor: the signs of
  // smaller ones say nothing about the line (they are rounding and jitter).
  Int128 swrr;
  int64_t counted = 0, positive = 0, runs = 0;
  bool last_positive = false;
  for (size_t i = first; i < count_; ++i) {
    int64_t r = y_of(i) - a - scale_q32(d_of(i), slope_q32);
    int64_t rc = r > (int64_t{1} << 31) ? (int64_t{1} << 31) : (r < -(int64_t{1} << 31) ? -(int64_t{1} << 31) : r);
    swrr += mul_wide(w_of(i) * rc, rc);
    if (r < sigma_floor_ns_ && r > -sigma_floor_ns_) continue;
    bool pos = r > 0;
    if (counted == 0 || pos != last_positive) ++runs;
    last_positive = pos;
    positive += pos ? 1 : 0;
    ++counted;
  }
  f.rms_ns = isqrt(div_wide(swrr, Int128(sw)));
  *random_runs = counted < static_cast<int64_t>(kMinRunsSamples) || !too_few_runs(counted, positive, runs);
  return f;
}

}  // namespace lansync::fw
