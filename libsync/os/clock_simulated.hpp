// A simulated clock: another clock (the system's) plus an offset that steps and slews change.
//
// For demos and tests (sntpd --clock simulated): a server can start "5 s
// wrong", be set from a phone or an upstream server, and serve the result,
// while the machine's real clock is only ever read.  Kernel timestamps
// (SO_TIMESTAMPNS, CLOCK_REALTIME) are moved onto the simulated time scale by
// from_system_ns().  A slew moves the offset at 500 ppm, as Linux's adjtime()
// moves the system clock.  The frequency set (set_frequency(), discipline())
// runs the simulated clock faster or slower, as the kernel's does, and
// discipline() marks it synchronized, as adjtimex clears STA_UNSYNC.  Until then
// sync_status() says unsynchronized, whatever the real kernel says.
// Thread-safe: the server's workers read it while the main thread adjusts it.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>

#include "os/clock.hpp"

namespace lansync::os {

// Linux's adjtime() slew rate, 500 ppm: 0.5 ms per second.
inline constexpr int64_t kSlewRatePpm = 500;

class SimulatedClock final : public Clock {
 public:
  // base: the clock read (the system clock); offset_ns: where the simulated
  // clock starts relative to it (negative: behind); monotonic: elapsed real
  // time in ns, which slews are measured against.
  SimulatedClock(Clock& base, int64_t offset_ns, std::function<int64_t()> monotonic = monotonic_ns);

  int64_t now_ns() override;
  int64_t from_system_ns(int64_t system_ns) override;
  Status step(int64_t offset_ns) override;
  Status slew(int64_t offset_ns) override;
  OsResult<KernelSyncStatus> sync_status() override;
  Status discipline(double frequency_ppm, int64_t max_error_ns, int64_t est_error_ns) override;
  Status set_frequency(double ppm) override;
  void sleep_ns(int64_t ns) override { base_.sleep_ns(ns); }
  OsResult<core::BootStamp> boot_stamp() override { return base_.boot_stamp(); }

  // The simulated clock minus the base clock now, in ns (positive: ahead).
  int64_t offset_ns();

 private:
  // The offset at monotonic time mono, with the slew in progress applied so far.
  int64_t offset_at(int64_t mono) const;
  void start_slew(int64_t offset_ns, int64_t mono);
  // Sets the frequency at mono, keeping what the old one gained.
  void change_frequency(double ppm, int64_t mono);

  Clock& base_;
  std::function<int64_t()> monotonic_;
  std::mutex mutex_;
  int64_t offset_ns_;            // the offset when the current slew started
  int64_t slew_ns_ = 0;          // the slew's total, signed
  int64_t slew_start_mono_ = 0;  // when it started
  bool synchronized_ = false;
  int64_t max_error_ns_ = 0;  // at discipline(), growing at 500 ppm since
  int64_t est_error_ns_ = 0;
  int64_t disciplined_mono_ = 0;
  double frequency_ppm_ = 0;
  int64_t frequency_start_mono_ = 0;  // since when frequency_ppm_ runs the clock
};

}  // namespace lansync::os
