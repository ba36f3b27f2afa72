// The crystal's temperature in sntpd: the sensor read, the curve learnt, the clock compensated.
//
// sntpd reads the sensor (--temperature) every kThermalReadNs; the curve
// (core/thermal) learns from each offset the discipline measured, as the
// crystal's own phase (the offset plus every correction the clock took,
// os/clock_compensated's ledger), and its correction for the temperature now
// goes beneath the discipline (CompensatedClock::compensate), as chrony's
// tempcomp does.  The curve is saved with the drift (os/file_drift) and
// restored at start, so a Pi that boots offline is compensated at once.  A
// sensor that stops reading is said once (and again when it reads): the
// correction holds at its last temperature meanwhile.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/thermal.hpp"
#include "os/clock_compensated.hpp"
#include "os/sensor_temperature.hpp"
#include "status/status_snapshot.hpp"

namespace lansync::sntpd {

// How often the sensor is read: a Pi's SoC sensor moves in minutes, the crystal in tens of them.
inline constexpr int64_t kThermalReadNs = 16'000'000'000;
// A correction changed by less than this (ppm) is not set again: the kernel's frequency is set
// in steps of 2^-16 ppm, and a reading a degree apart moves it by a quarter of a ppm.
inline constexpr double kThermalRetunePpm = 0.0005;

class ThermalKeeper {
 public:
  // sensor: not null; clock: the one the discipline sets (both outlive this... the sensor is owned).
  ThermalKeeper(os::CompensatedClock& clock, std::unique_ptr<os::TemperatureSensor> sensor);

  // Reads the sensor at now_mono_ns: the temperature learnt, the clock compensated for it.
  void read(int64_t now_mono_ns);
  // The discipline measured offset_ns (positive: the reference ahead, on the clock as it reads at
  // now_mono_ns) with standard error err_ns: the curve learns from it.
  void measured(int64_t now_mono_ns, int64_t offset_ns, int64_t err_ns);
  // True while the correction follows the temperature: the sensor read at its last try, within
  // kThermalReadNs * 4 of now_mono_ns, inside the range the curve was learnt over (and a degree
  // beyond), and the clock took the correction.  What lets the clock claim a drift its record earned.
  bool holds(int64_t now_mono_ns) const;
  // A curve saved by an earlier run.
  void restore(const core::ThermalCurve& c) { model_.restore(c); }
  // The curve in use, if any: what the drift file keeps.
  std::optional<core::ThermalCurve> curve() const { return model_.curve(); }
  TemperatureSnapshot snapshot() const;

 private:
  os::CompensatedClock& clock_;
  std::unique_ptr<os::TemperatureSensor> sensor_;
  core::ThermalModel model_;
  std::string problem_;        // the last read's error, logged when it first appears
  int64_t read_mono_ns_ = -1;  // the last good reading
  bool compensation_failed_ = false;
};

}  // namespace lansync::sntpd
