// The rules of the battery clock (rtcset): when the system clock may be copied to it, and how to trim its
// rate.
//
// A DS3231 keeps time to about ±2 ppm; its aging register trims the rate in
// steps of about 0.1 ppm (DS3231 datasheet, "Aging Offset").  rtcset trim
// takes a driftlog run that measured the RTC against a synchronized system
// clock, fits the drift (core/regression) and proposes the aging value that
// cancels it, but only from a measurement precise enough to be worth one step.
// Pure: the callers read the files, the kernel and the chip.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "codec/result.hpp"
#include "core/drift_log.hpp"
#include "core/regression.hpp"
#include "core/trust.hpp"

namespace lansync::core {

// The sync-state source rtcset --hctosys records.
inline constexpr const char* kRtcSyncSource = "rtc";

struct RtcWriteVerdict {
  bool allowed = false;
  std::string reason;  // one line: why the clock is or is not good enough
};

// --systohc: copy the system clock to the RTC only when the trust rule
// (assess_trust, policy Auto) trusts it, and not on the strength of a
// sync-state record the RTC itself wrote: that would copy the RTC into itself.
RtcWriteVerdict may_write_rtc(const TrustEvidence& e, const TrustVerdict& v, int64_t max_age_ns);

// --hctosys: why the system clock needs nothing from the RTC (empty: set it).  Not when the trust
// rule already trusts the clock by anything but the RTC itself: a daemon disciplines it, or a
// fresh record of this boot names an upstream, a phone, a GPS.  The RTC could only take it
// back: udev starts rtcset-hctosys when /dev/rtc0 appears, which can be after sntpd stepped the
// clock (seen in the VM tier: an RTC 1 h behind set it back an hour).
std::string clock_needs_no_rtc(const TrustEvidence& e, const TrustVerdict& v, int64_t max_age_ns);

// --hctosys: why the RTC's reading rtc_unix_s is known to be wrong (empty: it is not).  Time does
// not run back across a power cut, so an RTC that shows a moment more than 2 s before the last
// sync the sync-state file records (sntpd's upstream, a phone, ntpprobe --set, the RTC itself)
// has lost at least the difference: a flat battery, a chip that came back from a brown-out at a
// valid-looking time, an emulator's RTC that starts where it is told.  A record that names a
// source is needed: without one nothing says when the clock was last good.
std::string rtc_behind_last_sync(const TrustEvidence& e, int64_t rtc_unix_s);

// The RTC's drift, from a driftlog run that took the RTC as its reference.
struct RtcDrift {
  LineFit fit;                // offset_s (RTC - system) against elapsed_s: slope = RTC gain per second
  double span_s = 0;          // first to last usable sample
  std::string source;         // e.g. rtc:/dev/rtc0
  size_t failed_samples = 0;  // rows without an offset
};

struct TrimInputError {
  size_t line = 0;  // 1-based line of the CSV the problem is on; 0: the file as a whole
  std::string message;
};

// Checks that every row measured the same source, and an RTC (not ntp: or
// camera:), then fits offset = RTC - system over the rows that have one.
Result<RtcDrift, TrimInputError> rtc_drift_from_rows(const std::vector<DriftRow>& rows);

// What a measurement must reach before rtcset trim acts on it.
inline constexpr size_t kTrimMinSamples = 10;
inline constexpr double kTrimMinSpanS = 3600;
inline constexpr double kTrimMaxStderrPpm = 0.1;  // one aging step
inline constexpr int kAgingMin = -128;
inline constexpr int kAgingMax = 127;

struct AgingTrim {
  double rtc_fast_ppm = 0;      // how fast the RTC runs against the system clock; negative: slow
  int change_steps = 0;         // aging change that cancels it (positive: slow the RTC down)
  int current_aging = 0;        // register value the measurement ran with
  int proposed_aging = 0;       // current + change, within -128..127
  bool clamped = false;         // the drift is beyond what the aging register can correct
  bool precise_enough = false;  // the measurement meets the kTrim* limits
  std::string imprecision;      // why not, one line
};

// The aging value that cancels the measured drift, given the value it ran with.
AgingTrim plan_aging_trim(const RtcDrift& drift, int current_aging);

// "2026-03-01 12:00:00 UTC": a time in seconds since the Unix epoch, for people.
std::string readable_utc(int64_t unix_s);

}  // namespace lansync::core
