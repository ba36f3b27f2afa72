// The users' boot plan, step by step: the RTC sets the system clock; a good system clock sets the RTC.
//
// Through the Rtc and Clock interfaces, so that the tests run every step with
// a fake clock and an emulated DS3231.  An RTC counts whole seconds, so both
// directions meet it at a second boundary, as util-linux hwclock does:
// reading waits for the RTC's seconds to change (that moment is the start of
// the second it shows), writing waits for the system clock to reach a whole
// second (setting a DS3231 starts its second at once).  Either way the two
// clocks end up a few milliseconds apart, not up to a second.
#pragma once

#include <cstdint>
#include <string>

#include "core/correction.hpp"
#include "core/rtc.hpp"
#include "os/clock.hpp"
#include "os/rtc.hpp"

namespace lansync::flow {

struct TickReading {
  os::RtcReading reading;           // the time after the tick (or the only reading, if not at_tick)
  bool at_tick = false;             // the reads caught the moment the RTC's seconds changed
  int64_t tick_system_ns = 0;       // system time at that moment: the midpoint of the two reads around it
  int64_t tick_uncertainty_ns = 0;  // half the time between those two reads
};

// How long read_rtc_at_tick polls, and how often.
inline constexpr int64_t kTickPollNs = 1'000'000;
inline constexpr int64_t kTickTimeoutNs = 1'200'000'000;

// Reads the RTC, then again every kTickPollNs (at most) until its seconds
// change.  An invalid reading is returned at once.  Seconds that do not change
// within kTickTimeoutNs make the reading invalid: the oscillator is not running.
os::OsResult<TickReading> read_rtc_at_tick(os::Rtc& rtc, os::Clock& clock);

struct SecondBoundary {
  int64_t second_unix_s = 0;  // the whole second the clock has just reached
  int64_t late_ns = 0;        // how far past it the clock was when the wait ended
};

// Sleeps (no busy loop) until the clock reaches its next whole second.  When
// the wake-up comes more than max_late_ns late (a loaded machine), it waits
// for the following second, up to 5 times, and then returns the last.
SecondBoundary wait_for_second_boundary(os::Clock& clock, int64_t max_late_ns);

enum class RtcOutcome : uint8_t {
  Done,
  Refused,      // the RTC's time is invalid or implausible, or the system clock is not trustworthy
  RtcFailed,    // the RTC could not be read or written
  ClockFailed,  // the system clock or the sync-state file could not be set
};

struct HcToSysOptions {
  int64_t earliest_unix_s = 0;  // an RTC showing a time before this has been reset: refuse it
  std::string state_path;       // the sync-state file to record the setting in
};

struct HcToSysReport {
  RtcOutcome outcome = RtcOutcome::RtcFailed;
  std::string message;  // one line: why it was refused or failed
  TickReading tick;
  int64_t offset_ns = 0;  // RTC - system clock; positive: the system clock was behind and was stepped forward
  core::Correction action = core::Correction::None;
  std::string left_alone;  // not empty: the clock was already trusted from elsewhere and left as it was
};

// --hctosys: steps the system clock to the RTC (any offset; none when they
// agree to the nanosecond) and records source "rtc" in the sync-state file;
// leaves it alone (Done, left_alone says why) when the trust rule already
// trusts it by anything but the RTC (core::clock_needs_no_rtc).
HcToSysReport rtc_to_system(os::Rtc& rtc, os::Clock& clock, const HcToSysOptions& options);

struct SysToHcOptions {
  std::string state_path;  // the sync-state file the trust rule reads
  int64_t max_age_ns = 0;  // how old a sync-state record may be and still count
  bool force = false;      // write even when the system clock is not trusted
  int64_t max_late_ns = 5'000'000;
};

struct SysToHcReport {
  RtcOutcome outcome = RtcOutcome::RtcFailed;
  std::string message;  // one line: why it was refused or failed
  core::RtcWriteVerdict verdict;
  SecondBoundary written;  // the second written and how late
  bool was_valid = false;  // the RTC vouched for its time before the write
};

// --systohc: unless the trust rule (core::may_write_rtc) refuses the system
// clock and force is off, writes it to the RTC at its next whole second,
// which clears the RTC's invalid flag.
SysToHcReport system_to_rtc(os::Rtc& rtc, os::Clock& clock, const SysToHcOptions& options);

struct TrimReport {
  RtcOutcome outcome = RtcOutcome::RtcFailed;  // Refused: the measurement is too imprecise
  std::string message;                         // one line: why it was refused or failed
  core::AgingTrim plan;
  bool written = false;
};

// rtcset trim: unless the measurement is too imprecise (refused before the
// RTC is touched), reads the DS3231's aging offset, which the run is taken to
// have been measured with, plans the change, and with apply writes it.
TrimReport trim_aging(os::Rtc& rtc, const core::RtcDrift& drift, bool apply);

}  // namespace lansync::flow
