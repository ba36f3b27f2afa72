// The board's disciplined clock: UTC as a function of the local counter, with steps, slews and a
// frequency correction.
//
// A board has a free-running counter (esp_timer on the ESP32, micros64() on
// the ESP8266, CLOCK_MONOTONIC scaled by a simulated crystal on the host)
// that ticks at its crystal's rate, tens of ppm off.  The clock maps that
// local time to UTC: a base point, a frequency correction in 2^-32 units,
// and a correction being slewed in linearly at no more than kMaxSlewQ32
// (500 ppm, ntpd's and the kernel's limit), so that it never jumps after the
// first set and never runs backwards.  All arithmetic is integer (core/wide).
#pragma once

#include <stdint.h>

namespace lansync::fw {

// 500 ppm in 2^-32 units: the fastest rate at which a correction is slewed in.
inline constexpr int64_t kMaxSlewQ32 = 2'147'484;
// The largest frequency correction the clock accepts: +-1000 ppm, in 2^-32 units.
inline constexpr int64_t kMaxFreqQ32 = 4'294'967;

class DisciplinedClock {
 public:
  // Whether the clock was ever set; before that utc_ns() is the local time
  // itself (1970 plus the uptime), which nothing may take for the date.
  bool is_set() const { return set_; }

  // UTC in Unix ns at local time local_ns (not before the last step or slew).
  int64_t utc_ns(int64_t local_ns) const;

  // Sets the clock: at local_ns it shows utc_ns.  Drops any slew in progress;
  // keeps the frequency.
  void step(int64_t local_ns, int64_t utc_ns);

  // From local_ns on, runs at freq_q32 (clamped to +-kMaxFreqQ32) and slews
  // in offset_ns (positive: forward), replacing any slew in progress.
  void slew(int64_t local_ns, int64_t offset_ns, int64_t freq_q32);

  // Frequency correction, 2^-32 units; positive: the local counter is slow
  // and the clock runs faster than it.
  int64_t freq_q32() const { return freq_q32_; }

  // The part of the current slew not yet applied at local_ns (same sign as it).
  int64_t slew_left_ns(int64_t local_ns) const;

 private:
  bool set_ = false;
  int64_t base_local_ns_ = 0;
  int64_t base_utc_ns_ = 0;
  int64_t freq_q32_ = 0;
  int64_t slew_ns_ = 0;       // correction slewed in from base_local_ns_
  int64_t slew_span_ns_ = 0;  // over this much local time
};

}  // namespace lansync::fw
