// The crystal's temperature in sntpd; see thermal_keeper.hpp.
#include "thermal/thermal_keeper.hpp"

#include <cmath>

#include "os/log.hpp"

namespace lansync::sntpd {

ThermalKeeper::ThermalKeeper(os::CompensatedClock& clock, std::unique_ptr<os::TemperatureSensor> sensor)
    : clock_(clock), sensor_(std::move(sensor)) {}

void ThermalKeeper::read(int64_t now_mono_ns) {
  auto c = sensor_->read_celsius();
  if (!c) {
    if (problem_.empty()) os::log::warn("--temperature {}: {}", sensor_->name(), c.error().message);
    problem_ = c.error().message;
    return;
  }
  if (!problem_.empty()) os::log::info("--temperature {}: reads again", sensor_->name());
  problem_.clear();
  read_mono_ns_ = now_mono_ns;
  model_.add_temperature(now_mono_ns, *c);
  double ppm = model_.correction_ppm();
  if (std::fabs(ppm - clock_.compensation_ppm()) < kThermalRetunePpm) return;
  auto st = clock_.compensate(ppm);
  if (!st && !compensation_failed_)
    os::log::warn("cannot compensate the clock for temperature: {}", st.error().message);
  compensation_failed_ = !st;
}

void ThermalKeeper::measured(int64_t now_mono_ns, int64_t offset_ns, int64_t err_ns) {
  model_.add_phase(now_mono_ns, offset_ns + clock_.corrections_ns(now_mono_ns), err_ns);
  // As chronyd's tempcomp log, at debug level (-v).
  if (auto c = model_.curve()) {
    os::log::debug(
        "thermal: phase at {:.1f} C learnt, correction {:+.4f} ppm; curve {:+.4f} ppm/C {:+.5f} ppm/C^2, lag "
        "{:.0f} s, {} phases",
        model_.temperature_c().value_or(0), clock_.compensation_ppm(), c->a_ppm_per_c, c->b_ppm_per_c2,
        c->lag_s, c->points);
  }
}

bool ThermalKeeper::holds(int64_t now_mono_ns) const {
  std::optional<core::ThermalCurve> c = model_.curve();
  std::optional<double> t = model_.temperature_c();
  if (!c || !t || !problem_.empty() || compensation_failed_ || read_mono_ns_ < 0) return false;
  if (now_mono_ns - read_mono_ns_ > 4 * kThermalReadNs) return false;
  return c->covers(*t);
}

TemperatureSnapshot ThermalKeeper::snapshot() const {
  TemperatureSnapshot s;
  s.sensor = sensor_->name();
  s.celsius = model_.temperature_c();
  s.problem = problem_;
  s.correction_ppm = clock_.compensation_ppm();
  s.curve = model_.curve();
  s.learning_points = model_.learning_points();
  return s;
}

}  // namespace lansync::sntpd
