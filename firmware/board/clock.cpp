// The disciplined clock; see clock.hpp.
#include "firmware/board/clock.hpp"

#include "firmware/board/wide.hpp"

namespace lansync::fw {
namespace {

constexpr int64_t kSaturated = 0x7FFF'FFFF'FFFF'FFFF;

}  // namespace

int64_t DisciplinedClock::utc_ns(int64_t local_ns) const {
  int64_t d = local_ns - base_local_ns_;
  int64_t u = base_utc_ns_ + d + scale_q32(d, freq_q32_);
  if (slew_span_ns_ > 0 && d > 0) u += d >= slew_span_ns_ ? slew_ns_ : mul_div(slew_ns_, d, slew_span_ns_);
  return u;
}

void DisciplinedClock::step(int64_t local_ns, int64_t utc_ns) {
  base_local_ns_ = local_ns;
  base_utc_ns_ = utc_ns;
  slew_ns_ = 0;
  slew_span_ns_ = 0;
  set_ = true;
}

void DisciplinedClock::slew(int64_t local_ns, int64_t offset_ns, int64_t freq_q32) {
  base_utc_ns_ = utc_ns(local_ns);
  base_local_ns_ = local_ns;
  if (freq_q32 > kMaxFreqQ32) freq_q32 = kMaxFreqQ32;
  if (freq_q32 < -kMaxFreqQ32) freq_q32 = -kMaxFreqQ32;
  freq_q32_ = freq_q32;
  slew_ns_ = offset_ns;
  int64_t magnitude = offset_ns < 0 ? -offset_ns : offset_ns;
  // At kMaxSlewQ32, |offset| takes |offset| * 2^32 / kMaxSlewQ32 of local time (rounded up).
  slew_span_ns_ = magnitude == 0 ? 0 : mul_div(magnitude, int64_t{1} << 32, kMaxSlewQ32);
  if (magnitude != 0 && slew_span_ns_ < kSaturated) ++slew_span_ns_;  // rounded up
}

int64_t DisciplinedClock::slew_left_ns(int64_t local_ns) const {
  int64_t d = local_ns - base_local_ns_;
  if (slew_span_ns_ == 0 || d >= slew_span_ns_) return 0;
  if (d <= 0) return slew_ns_;
  return slew_ns_ - mul_div(slew_ns_, d, slew_span_ns_);
}

}  // namespace lansync::fw
