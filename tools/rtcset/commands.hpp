// rtcset's commands: each one wires the RTC, the clock and the files, prints, and returns the exit code.
#pragma once

#include <cstdint>
#include <string>

#include "os/clock.hpp"
#include "os/rtc.hpp"

namespace lansync::rtcset {

// Exit codes (rtcset(8)).
enum Exit : int {
  kOk = 0,
  kRtcError = 1,     // the RTC is missing, cannot be read or written, or lacks the feature
  kUsage = 2,        // usage error, or a --from file that cannot be read or is malformed
  kRefused = 3,      // the RTC's time is invalid or implausible, the system clock is not trusted,
                     // or a trim measurement is too imprecise
  kClockFailed = 5,  // the system clock or the sync-state file could not be set
};

struct Options {
  os::RtcChoice rtc;
  std::string state_path;
  int64_t earliest_unix_s = 0;  // --hctosys refuses RTC times before this
  int64_t max_age_ns = 0;       // --systohc: how old a sync-state record may be
  bool force = false;           // --systohc: write even an untrusted clock
  bool json = false;            // show: one JSON object
  std::string from;             // trim: the driftlog CSV
  bool apply = false;           // trim: write the aging offset
};

int show(os::Rtc& rtc, os::Clock& clock, const Options& opt);
int hctosys(os::Rtc& rtc, os::Clock& clock, const Options& opt);
int systohc(os::Rtc& rtc, os::Clock& clock, const Options& opt);
int set_aging(os::Rtc& rtc, int aging);
// --square-wave: the DS3231's INT/SQW pin to 1 Hz (one_hz) or back to the alarm interrupt.
int set_square_wave(os::Rtc& rtc, bool one_hz);
// Reads and fits the CSV first (no RTC needed for that), then opens the RTC.
int trim(const Options& opt);

// "rtcset: error: <message>" on stderr; returns code.
int report_error(const std::string& message, int code);

}  // namespace lansync::rtcset
