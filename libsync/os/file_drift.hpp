// The drift file: the clock's frequency correction, kept across restarts.
//
// While sntpd follows upstream servers, the kernel PLL learns how fast this
// machine's crystal runs.  Saved (every hour, and at stop) and restored at
// start, it spares a restarted Pi hours of relearning, as chrony's driftfile
// does.  The file's first line is the frequency in ppm (positive: the clock is
// sped up); with a temperature sensor, a second line keeps the crystal's curve
// (core/thermal), as words "thermal key=value ..."; with a steady pulse
// (sntpd --gps pps:PATH local) instead, the crystal's frequency against the
// pulse where the correction is reckoned from, "pulse crystal_ppm=X"
// (core/pulse_standard).  Replaced atomically; a
// reader of the first line alone (an older sntpd) is not disturbed by the second.
//
// Beside it, path + ".shape" keeps the day's shape (core/holdover's
// DailyShape) of a clock without a sensor: a line a bin, "UNIX_S PPM COUNT"
// (the bin's mean time on the real-time clock, its mean frequency, its
// updates), oldest first, after a comment line.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/holdover.hpp"
#include "core/thermal.hpp"
#include "os/clock.hpp"
#include "os/error.hpp"

namespace lansync::os {

inline constexpr const char* kDefaultDriftPath = "/var/lib/lansync/drift";
inline constexpr const char* kShapeSuffix = ".shape";

// Reads path: the frequency in ppm, or nullopt when there is no file yet.
// Errors name the file and line, e.g. "/var/lib/lansync/drift:1: not a
// frequency in ppm: 'abc'"; a value beyond ±500 ppm is an error too.
OsResult<std::optional<double>> read_drift_file(const std::string& path);

// Sets clock's frequency from path.  Returns what was restored (nullopt: no
// file).  A malformed file is renamed to path + ".bad", so that the next save
// does not lose it, and the error says so.
OsResult<std::optional<double>> restore_frequency(Clock& clock, const std::string& path);

// Writes clock's current frequency (sync_status) to path, atomically.
Status save_frequency(Clock& clock, const std::string& path);
// Writes ppm to path, atomically: the frequency a discipline keeps apart from its slews; and
// the temperature curve, if any, else the pulse's reference (pulse_ppm), if any.
Status save_frequency(double ppm, const std::string& path,
                      const std::optional<core::ThermalCurve>& curve = std::nullopt,
                      std::optional<double> pulse_ppm = std::nullopt);

// The curve path keeps (none: no file, or no curve line).  Errors name the file and line, e.g.
// "/var/lib/lansync/drift:2: thermal: lag_s is not a number: 'x'".
OsResult<std::optional<core::ThermalCurve>> read_drift_curve(const std::string& path);

// The pulse's reference path keeps (ppm; none: no file, or no pulse line).  Errors name the file
// and line, e.g. "/var/lib/lansync/drift:2: pulse: crystal_ppm is not a frequency in ppm: 'x'".
OsResult<std::optional<double>> read_drift_pulse(const std::string& path);

// The day's shape path keeps, times in real-time ns (none: no file).  Errors name the file and
// line, e.g. "/var/lib/lansync/drift.shape:3: not 'UNIX_S PPM COUNT': 'x'".
OsResult<std::vector<core::DailyShape::Point>> read_shape_file(const std::string& path);
// Writes points (real-time ns) to path, atomically.
Status save_shape_file(const std::string& path, const std::vector<core::DailyShape::Point>& points);

}  // namespace lansync::os
