// A clock without a sensor through an outage; see shape_keeper.hpp.
#include "thermal/shape_keeper.hpp"

#include <cmath>

#include "os/log.hpp"
#include "thermal/thermal_keeper.hpp"

namespace lansync::sntpd {

void ShapeKeeper::updated(int64_t now_mono_ns, double base_ppm) {
  if (!earlier_.empty()) {
    // The clock was just set by a reference: real time maps onto this run's monotonic clock.
    int64_t shift_ns = now_mono_ns - clock_.now_ns();
    for (core::DailyShape::Point& p : earlier_) p.t_ns += shift_ns;
    size_t n = shape_.restore(earlier_, now_mono_ns);
    os::log::info("the day's frequency restored: {} bin{} from before the start", n, n == 1 ? "" : "s");
    earlier_.clear();
  }
  shape_.add(now_mono_ns, base_ppm);
  last_update_ns_ = now_mono_ns;
  if (following_ppm_ != 0) follow(0);
}

std::vector<core::DailyShape::Point> ShapeKeeper::saved(int64_t now_mono_ns) {
  std::vector<core::DailyShape::Point> points = shape_.points();
  int64_t shift_ns = clock_.now_ns() - now_mono_ns;
  for (core::DailyShape::Point& p : points) p.t_ns += shift_ns;
  return points;
}

void ShapeKeeper::tick(int64_t now_mono_ns) {
  if (last_update_ns_ < 0) return;
  double ppm = shape_.change_ppm(last_update_ns_, now_mono_ns).value_or(0);
  if (std::fabs(ppm - following_ppm_) < kThermalRetunePpm) return;
  if (following_ppm_ == 0) {
    os::log::info("no update for {} s: the clock follows the day before's frequency ({:+.3f} ppm)",
                  (now_mono_ns - last_update_ns_) / 1'000'000'000, ppm);
  }
  follow(ppm);
}

void ShapeKeeper::follow(double ppm) {
  auto st = clock_.compensate(ppm);
  if (!st && !failed_) os::log::warn("cannot follow the day's frequency: {}", st.error().message);
  failed_ = !st;
  if (st) following_ppm_ = ppm;
}

}  // namespace lansync::sntpd
