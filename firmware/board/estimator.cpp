// Offset and frequency from the delay envelope; see estimator.hpp.
#include "firmware/board/estimator.hpp"

#include "firmware/board/wide.hpp"
#include "proto/units.hpp"

namespace lansync::fw {
namespace {

// Least-squares x is counted in units of 2^20 ns (about 1 ms): hours of
// history fit in 26 bits, and a slope in ns per unit times 2^12 is a
// frequency in 2^-32 units.
constexpr unsigned kXShift = 20;
constexpr unsigned kSlopeToQ32Shift = 32 - kXShift;
// Weights are 2^30 / sigma^2 with sigma in microseconds, so 1/sigma^2 in ns^-2
// is w / kWeightScale.
constexpr int64_t kWeightScale = (int64_t{1} << 30) * 1'000'000;

}  // namespace

int64_t sample_weight(int64_t sigma_ns) {
  int64_t us = (sigma_ns + 999) / 1000;
  if (us < 1) us = 1;
  if (us > (int64_t{1} << 20)) us = int64_t{1} << 20;
  int64_t w = (int64_t{1} << 30) / (us * us);
  return w < 1 ? 1 : w;
}

int64_t Fit::predict(int64_t at_local_ns) const {
  int64_t d = at_local_ns - local_ns;
  return utc_ns + d + scale_q32(d, freq_q32);
}

void Estimator::add(const Sample& s) {
  if (count_ == kCapacity) {
    first_ = (first_ + 1) % kCapacity;
    --count_;
  }
  ring_[(first_ + count_) % kCapacity] = s;
  ++count_;
}

void Estimator::expire(int64_t oldest_local_ns) {
  while (count_ > 0 && at(0).local_ns < oldest_local_ns) {
    first_ = (first_ + 1) % kCapacity;
    --count_;
  }
}

int64_t Estimator::sigma_ns(int64_t delay_ns, int64_t min_delay_ns) const {
  return proto::sample_sigma_ns(sigma_floor_ns_, delay_ns, min_delay_ns);
}

Estimator::Edge Estimator::envelope(int64_t freq_hint_q32, bool uplink, int64_t mean_d) const {
  // Andrew's monotone chain over the points (d, v), d increasing; the
  // downlink's points are negated so that both are lower hulls.
  const Sample& newest = at(count_ - 1);
  int64_t* hull_d = hull_d_;
  int64_t* hull_v = hull_v_;
  size_t h = 0;
  for (size_t i = 0; i < count_; ++i) {
    int64_t d = at(i).local_ns - newest.local_ns;
    int64_t y = at(i).utc_ns - (newest.utc_ns + d + scale_q32(d, freq_hint_q32));
    int64_t v = uplink ? y + at(i).delay_ns / 2 : at(i).delay_ns / 2 - y;
    // Pop while the last two hull points and this one do not turn left.
    while (h >= 2 && !(Int128(0) < mul_wide(hull_d[h - 1] - hull_d[h - 2], v - hull_v[h - 2]) -
                                       mul_wide(hull_v[h - 1] - hull_v[h - 2], d - hull_d[h - 2]))) {
      --h;
    }
    hull_d[h] = d;
    hull_v[h] = v;
    ++h;
  }
  // The edge over the mean time is the highest line under every point there.
  size_t k = 0;
  while (k + 2 < h && hull_d[k + 1] < mean_d) ++k;
  Edge e;
  int64_t span = h >= 2 ? hull_d[k + 1] - hull_d[k] : 0;
  if (span > 0) {
    e.slope_q32 = div_wide(Int128(hull_v[k + 1] - hull_v[k]) << 32, Int128(span));
    e.at_mean = hull_v[k] + scale_q32(mean_d - hull_d[k], e.slope_q32);
  } else {
    e.at_mean = hull_v[k];
  }
  if (!uplink) {
    e.slope_q32 = -e.slope_q32;
    e.at_mean = -e.at_mean;
  }
  return e;
}

Fit Estimator::fit(int64_t freq_hint_q32) const {
  Fit f;
  if (count_ == 0) return f;
  const Sample& newest = at(count_ - 1);
  f.ok = true;
  f.local_ns = newest.local_ns;
  f.utc_ns = newest.utc_ns;
  f.freq_q32 = freq_hint_q32;
  f.used = count_;
  f.min_delay_ns = newest.delay_ns;
  for (size_t i = 0; i < count_; ++i) {
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
  auto w_of = [&](size_t i) { return sample_weight(sigma_ns(at(i).delay_ns, f.min_delay_ns)); };

  int64_t sw = 0;
  Int128 swx, swy, sum_d;
  for (size_t i = 0; i < count_; ++i) {
    int64_t w = w_of(i);
    sw += w;
    swx += mul_wide(w, d_of(i) >> kXShift);
    swy += mul_wide(w, y_of(i));
    sum_d += Int128(d_of(i));
  }
  int64_t xbar = div_wide(swx, Int128(sw));
  int64_t ybar = div_wide(swy, Int128(sw));
  Int128 sxx, sxy;
  for (size_t i = 0; i < count_; ++i) {
    int64_t wdx = w_of(i) * ((d_of(i) >> kXShift) - xbar);
    sxx += mul_wide(wdx, (d_of(i) >> kXShift) - xbar);
    sxy += mul_wide(wdx, y_of(i) - ybar);
  }
  if (count_ < kMinFreqSamples || !(Int128(0) < sxx)) return f;

  // Var(slope) = 1 / sum((x - xbar)^2 / sigma^2), in (ns per unit)^2; times 2^24 in q32^2.
  int64_t freq_sd = isqrt(div_wide(mul_wide(kWeightScale, int64_t{1} << (2 * kSlopeToQ32Shift)), sxx));
  if (freq_sd > kMaxFreqSdQ32) return f;
  int64_t slope_q32 = div_wide(sxy << kSlopeToQ32Shift, sxx);
  f.freq_fitted = true;
  f.freq_q32 = freq_hint_q32 + slope_q32;
  f.freq_sd_q32 = freq_sd;
  f.utc_ns = newest.utc_ns + ybar - scale_q32(xbar * (int64_t{1} << kXShift), slope_q32);
  // Var(prediction at the anchor) = Var(ybar) + xbar^2 Var(slope).
  f.offset_sd_ns =
      isqrt(div_wide(Int128(kWeightScale), Int128(sw)) + div_wide(mul_wide(xbar * xbar, kWeightScale), sxx));

  if (newest.local_ns - at(0).local_ns >= kMinEnvelopeSpanNs)
    fit_envelope(f, freq_hint_q32, div_wide(sum_d, Int128(static_cast<int64_t>(count_))));
  return f;
}

void Estimator::fit_envelope(Fit& f, int64_t freq_hint_q32, int64_t mean_d) const {
  Edge up = envelope(freq_hint_q32, true, mean_d);
  Edge down = envelope(freq_hint_q32, false, mean_d);
  int64_t slope = up.slope_q32 + (down.slope_q32 - up.slope_q32) / 2;
  int64_t at_mean = up.at_mean + (down.at_mean - up.at_mean) / 2;
  f.envelope = true;
  f.freq_q32 = freq_hint_q32 + slope;
  f.utc_ns = at(count_ - 1).utc_ns + at_mean - scale_q32(mean_d, slope);
}

}  // namespace lansync::fw
