// The frequency's record and what it earns; see holdover.hpp.
#include "core/holdover.hpp"

#include <algorithm>

#include "proto/units.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kHourNs = 3600'000'000'000;

int64_t seconds_ns(double s) { return static_cast<int64_t>(s * 1e9); }

}  // namespace

void FrequencyRecord::add(int64_t t_ns, double ppm) {
  if (hours_.empty() || t_ns - hours_.back().start_ns >= kHourNs) {
    hours_.push_back({t_ns, ppm, ppm});
  } else {
    hours_.back().min_ppm = std::min(hours_.back().min_ppm, ppm);
    hours_.back().max_ppm = std::max(hours_.back().max_ppm, ppm);
  }
  while (!hours_.empty() && t_ns - hours_.front().start_ns > seconds_ns(kHoldoverRecordS)) {
    hours_.erase(hours_.begin());
  }
}

std::optional<double> FrequencyRecord::earned_bound_ppm(int64_t now_ns) const {
  // The record's own span, not the time since it began: an outage adds nothing to it.
  if (hours_.empty() ||
      hours_.back().start_ns + kHourNs - hours_.front().start_ns < seconds_ns(kHoldoverMinSpanS) ||
      now_ns < hours_.back().start_ns) {
    return std::nullopt;
  }
  double lo = hours_.front().min_ppm, hi = hours_.front().max_ppm;
  for (const Hour& h : hours_) {
    lo = std::min(lo, h.min_ppm);
    hi = std::max(hi, h.max_ppm);
  }
  double bound = kHoldoverSafety * (hi - lo) + kHoldoverFloorPpm;
  if (bound >= static_cast<double>(proto::kPhiPpm)) return std::nullopt;
  return bound;
}

}  // namespace lansync::core
