// The frequency's record and what it earns; see holdover.hpp.
#include "core/holdover.hpp"

#include <algorithm>
#include <cmath>

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

int64_t DailyShape::Bin::mean_t_ns() const { return start_ns + seconds_ns(sum_t_s / count); }

void DailyShape::add(int64_t t_ns, double ppm) {
  if (bins_.empty() || t_ns - bins_.back().start_ns >= seconds_ns(kShapeBinS)) bins_.push_back({t_ns});
  Bin& b = bins_.back();
  b.sum_t_s += static_cast<double>(t_ns - b.start_ns) / 1e9;
  b.sum_ppm += ppm;
  ++b.count;
  while (t_ns - bins_.front().start_ns > seconds_ns(kShapeRecordS)) bins_.erase(bins_.begin());
}

std::vector<DailyShape::Point> DailyShape::points() const {
  std::vector<Point> out;
  out.reserve(bins_.size());
  for (const Bin& b : bins_) out.push_back({b.mean_t_ns(), b.mean_ppm(), b.count});
  return out;
}

size_t DailyShape::restore(const std::vector<Point>& earlier, int64_t now_ns) {
  int64_t before_ns = bins_.empty() ? now_ns : bins_.front().start_ns;
  std::vector<Bin> kept;
  for (const Point& p : earlier) {
    bool fits = p.t_ns < before_ns && now_ns - p.t_ns <= seconds_ns(kShapeRecordS);
    if (fits && p.count > 0 && std::isfinite(p.ppm)) kept.push_back({p.t_ns, 0, p.ppm * p.count, p.count});
  }
  std::sort(kept.begin(), kept.end(), [](const Bin& a, const Bin& b) { return a.start_ns < b.start_ns; });
  bins_.insert(bins_.begin(), kept.begin(), kept.end());
  return kept.size();
}

std::optional<double> DailyShape::at(int64_t t_ns) const {
  // The first bin whose mean is at t_ns or after it, and the one before.
  auto after =
      std::find_if(bins_.begin(), bins_.end(), [t_ns](const Bin& b) { return b.mean_t_ns() >= t_ns; });
  if (after == bins_.end() || after == bins_.begin()) return std::nullopt;
  const Bin& a = *(after - 1);
  const Bin& b = *after;
  int64_t span_ns = b.mean_t_ns() - a.mean_t_ns();
  if (span_ns > seconds_ns(2 * kShapeBinS + kShapeStartS)) return std::nullopt;  // a hole: an outage
  double w = static_cast<double>(t_ns - a.mean_t_ns()) / static_cast<double>(std::max<int64_t>(span_ns, 1));
  return a.mean_ppm() + w * (b.mean_ppm() - a.mean_ppm());
}

std::optional<double> DailyShape::day_change(int64_t last_ns, int back, int64_t tau_ns) const {
  int64_t start_ns = last_ns - back * seconds_ns(kShapeDayS);
  // The day's end is the last update itself for the day before: the newest bin is its end.
  int64_t end_ns = std::min(start_ns + seconds_ns(kShapeDayS), bins_.back().mean_t_ns());
  std::optional<double> first = at(start_ns), now = at(std::min(start_ns + tau_ns, end_ns)),
                        last = at(end_ns);
  if (!first || !now || !last) return std::nullopt;
  double trend = (*last - *first) * static_cast<double>(tau_ns) / 1e9 / kShapeDayS;
  return *now - *first - trend;
}

std::optional<double> DailyShape::change_ppm(int64_t last_ns, int64_t now_ns) const {
  if (bins_.empty()) return std::nullopt;
  int64_t gap_ns = now_ns - last_ns;
  if (gap_ns < seconds_ns(kShapeStartS)) return 0.0;
  // The part of the day the gap reached, on each day before: a day's shape is a cycle.
  int64_t tau_ns = gap_ns % seconds_ns(kShapeDayS);
  double sum = 0;
  int days = 0;
  for (int back = 1; back <= 2; ++back) {
    if (auto c = day_change(last_ns, back, tau_ns)) {
      sum += *c;
      ++days;
    }
  }
  if (days == 0) return std::nullopt;
  return sum / days;
}

}  // namespace lansync::core
