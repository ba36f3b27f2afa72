// A clock without a temperature sensor through an outage: it follows the shape of its day.
//
// Where sntpd reads no sensor (--temperature none, or none found), the room
// still moves the crystal, mostly with the day.  ShapeKeeper records the
// frequency each update sets (core/holdover's DailyShape); once no update
// came for kShapeStartS, it checks every kThermalReadNs how the day before
// moved over the same part of the day and puts that change beneath the
// discipline (CompensatedClock::compensate, as the temperature's correction
// goes where there is a sensor); the next update takes it away.  The root
// dispersion served still grows at 15 ppm: without a sensor nothing says the
// room keeps to yesterday's day.
//
// The record outlives a restart: saved() gives it on the real-time clock for
// the file beside the drift file (os/file_drift), and restore() takes it back
// at start, but it joins the record only at the first update, when the
// real-time clock is right again (a Pi without a battery clock boots wrong).
#pragma once

#include <cstdint>
#include <vector>

#include "core/holdover.hpp"
#include "os/clock_compensated.hpp"

namespace lansync::sntpd {

class ShapeKeeper {
 public:
  explicit ShapeKeeper(os::CompensatedClock& clock) : clock_(clock) {}

  // An update set the frequency (ppm, the discipline's own) at now_mono_ns: recorded, and the
  // change followed since the last one, if any, taken away.
  void updated(int64_t now_mono_ns, double base_ppm);
  // Between updates: the change the day's shape says since the last update, beneath the discipline.
  void tick(int64_t now_mono_ns);
  // The change followed now (ppm; 0 while updates come).
  double following_ppm() const { return following_ppm_; }
  // The record an earlier run saved (real-time ns), to join it at the first update.
  void restore(std::vector<core::DailyShape::Point> saved) { earlier_ = std::move(saved); }
  // The record on the real-time clock, to save; none before the first update of this run (what
  // was restored stays in its file).
  std::vector<core::DailyShape::Point> saved(int64_t now_mono_ns);

 private:
  // Puts ppm beneath the discipline; logs when following starts and fails.
  void follow(double ppm);

  os::CompensatedClock& clock_;
  core::DailyShape shape_;
  std::vector<core::DailyShape::Point> earlier_;  // restored, real-time ns; joins at the first update
  int64_t last_update_ns_ = -1;                   // monotonic
  double following_ppm_ = 0;
  bool failed_ = false;  // the clock refused the last change: said once
};

}  // namespace lansync::sntpd
