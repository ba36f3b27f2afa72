// The system clock behind an interface: read it, step it, slew it, ask the kernel about it.
//
// Everything that changes a clock goes through Clock, so that tests drive the
// same code with a fake (tests/support/fake_clock.hpp) and never touch the
// machine's clock.  SystemClock is the real CLOCK_REALTIME.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "core/record_age.hpp"
#include "os/error.hpp"
#include "proto/reply_rules.hpp"

namespace lansync::os {

// What the kernel knows about its clock discipline (adjtimex with modes = 0).
struct KernelSyncStatus {
  bool synchronized = false;  // no STA_UNSYNC and state != TIME_ERROR
  int64_t max_error_ns = 0;   // kernel's maximum error estimate
  int64_t est_error_ns = 0;   // kernel's estimated error
  int64_t offset_ns = 0;      // remaining PLL offset
  double frequency_ppm = 0;   // frequency correction in use, positive: clock sped up
};

class Clock {
 public:
  virtual ~Clock() = default;

  // The clock, in nanoseconds since the Unix epoch.
  virtual int64_t now_ns() = 0;
  // A kernel timestamp (CLOCK_REALTIME, e.g. SO_TIMESTAMPNS) on this clock's
  // time scale; the identity for the system clock.
  virtual int64_t from_system_ns(int64_t system_ns) { return system_ns; }
  // Moves the clock by offset_ns at once (positive: forward).
  virtual Status step(int64_t offset_ns) = 0;
  // Starts correcting the clock by offset_ns gradually (positive: forward),
  // replacing any slew in progress.
  virtual Status slew(int64_t offset_ns) = 0;
  virtual OsResult<KernelSyncStatus> sync_status() = 0;
  // Sets the clock's frequency (positive: it runs faster), the drift
  // correction and the slew of an offset together, up to kMaxDisciplinePpm,
  // and tells the kernel the clock is synchronized with these error bounds.
  // The kernel's PLL is left off: sntpd's discipline (core/discipline) is the loop.
  virtual Status discipline(double frequency_ppm, int64_t max_error_ns, int64_t est_error_ns) = 0;
  // Sets the kernel's frequency correction (positive: the clock runs faster),
  // as a restart restores what the discipline had learnt (the drift file).
  virtual Status set_frequency(double ppm) = 0;
  // This boot's id and CLOCK_BOOTTIME now (os/clock_boot.hpp), which sync-state
  // records are stamped and judged with; a fake clock returns its own.
  virtual OsResult<core::BootStamp> boot_stamp();
  // Waits ns nanoseconds of real time (CLOCK_MONOTONIC, so a step of the clock
  // does not stretch it); a fake clock advances instead.  ns <= 0 returns at once.
  virtual void sleep_ns(int64_t ns);
};

// CLOCK_REALTIME.  step() uses clock_adjtime(ADJ_SETOFFSET), slew() adjtime(),
// discipline() adjtimex(ADJ_FREQUENCY and ADJ_TICK, as chronyd), set_frequency()
// adjtimex(ADJ_FREQUENCY); all need CAP_SYS_TIME.
class SystemClock final : public Clock {
 public:
  int64_t now_ns() override;
  Status step(int64_t offset_ns) override;
  Status slew(int64_t offset_ns) override;
  OsResult<KernelSyncStatus> sync_status() override;
  Status discipline(double frequency_ppm, int64_t max_error_ns, int64_t est_error_ns) override;
  Status set_frequency(double ppm) override;
};

// clock as the callback a reply's transmit time is read through (proto::finish_reply); clock outlives it.
proto::TransmitClock transmit_clock(Clock& clock);

// The kernel's limit on the frequency correction, in ppm (MAXFREQ).
inline constexpr double kMaxFrequencyPpm = 500;
// With the tick (±10 % of 1/USER_HZ): the fastest a clock can be slewed, in ppm.
inline constexpr double kMaxDisciplinePpm = 100'000;

// Clock id (CLOCK_REALTIME: Unix ns; CLOCK_MONOTONIC, CLOCK_BOOTTIME: ns
// since boot), or the kernel's refusal (EINVAL: no such clock; EOVERFLOW: a
// time past 2038 through a 32-bit time_t, which this build never asks for).
OsResult<int64_t> read_clock_ns(clockid_t id);
// read_clock_ns(id); when the clock cannot be read, logs why and ends the
// process with exit status 1: a time sync tool must not go on with a time of 0.
int64_t read_clock_or_exit(clockid_t id);

// CLOCK_MONOTONIC in nanoseconds, for timeouts and schedules.
int64_t monotonic_ns();

// The smallest nonzero difference between consecutive reads of clock: its
// resolution including the cost of a read, as NTP's precision wants it.
int64_t measure_resolution_ns(Clock& clock);

}  // namespace lansync::os
