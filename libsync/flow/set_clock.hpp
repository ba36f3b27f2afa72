// Correcting the clock from a measurement and recording it in the sync-state file.
//
// The one path by which lansync tools change a clock: choose step, slew or
// nothing (core::choose_correction), apply it through the Clock interface,
// then record the result.  The state file is written only after the clock was
// corrected (or found right), so it never claims a correction that failed.
// A source that only confirms the clock (a phone agreeing within the step
// threshold) records a verification instead: action "verified", clock untouched.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/correction.hpp"
#include "os/clock.hpp"
#include "os/error.hpp"

namespace lansync::flow {

struct ClockCorrection {
  int64_t offset_ns = 0;                      // positive: the clock is behind and must move forward
  int64_t step_threshold_ns = 1'000'000'000;  // step above this magnitude, else slew
  bool allow_slew = true;                     // false: leave offsets under the threshold alone
  std::string source;                         // for the state file, e.g. "ntp:192.168.4.1"
  int64_t uncertainty_ns = -1;                // error bound of the source; < 0 when unknown
  std::optional<int> stratum;                 // the source's stratum, when it is an NTP server
  std::optional<std::string> time_zone;       // the source's tz database name, recorded as sent
};

// Applies the correction to clock and writes the state file at state_path.
// Returns what was done.  Fails without writing the file if the clock could
// not be changed.
os::OsResult<core::Correction> correct_clock(os::Clock& clock, const ClockCorrection& c,
                                             const std::string& state_path);

// Records in the state file at state_path that the clock was corrected by c
// (action "step" or "slew") by a path of its own: sntpd's kernel PLL, which
// correct_clock does not drive.  c's threshold and allow_slew are not used.
os::Status record_correction(os::Clock& clock, const ClockCorrection& c, const char* action,
                             const std::string& state_path);

// Records in the state file at state_path that the source confirmed the clock
// (action "verified", offset_s the offset measured, c.offset_ns) without
// changing it; c's threshold and allow_slew are not used.
os::Status record_verification(os::Clock& clock, const ClockCorrection& c, const std::string& state_path);

}  // namespace lansync::flow
