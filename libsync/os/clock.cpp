// The system clock; see clock.hpp.
//
// 64-bit time_t in this file even where the C library's default is 32 bits
// (Debian 12 armhf): here times cross into the kernel (clock_gettime,
// clock_adjtime, adjtime), and with a 32-bit time_t those calls fail with
// EOVERFLOW from 2038-01-19 on.  Only int64 nanoseconds leave this file, so
// its callers need not agree with it on time_t (README "Times past 2038").
#ifndef _TIME_BITS
#define _TIME_BITS 64
#define _FILE_OFFSET_BITS 64
#endif
#include "os/clock.hpp"

#include <sys/time.h>
#include <sys/timex.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <ctime>

#include "codec/timestamp.hpp"
#include "os/clock_boot.hpp"
#include "os/log.hpp"

namespace lansync::os {

using codec::kNsPerSecond;

OsResult<int64_t> read_clock_ns(clockid_t id) {
  timespec ts{};
  if (::clock_gettime(id, &ts) != 0) return errno_error("cannot read the clock (clock_gettime)");
  return static_cast<int64_t>(ts.tv_sec) * kNsPerSecond + ts.tv_nsec;
}

int64_t read_clock_or_exit(clockid_t id) {
  auto ns = read_clock_ns(id);
  if (ns) return *ns;
  log::error("{}; stopping rather than using a wrong time", ns.error().message);
  std::_Exit(1);
}

int64_t SystemClock::now_ns() { return read_clock_or_exit(CLOCK_REALTIME); }

proto::TransmitClock transmit_clock(Clock& clock) {
  return {[](void* c) { return static_cast<Clock*>(c)->now_ns(); }, &clock};
}

Status SystemClock::step(int64_t offset_ns) {
  timex tx{};
  tx.modes = ADJ_SETOFFSET | ADJ_NANO;
  // The kernel wants tv_sec plus a non-negative sub-second part.
  int64_t sec = offset_ns / kNsPerSecond;
  int64_t rem = offset_ns % kNsPerSecond;
  if (rem < 0) {
    rem += kNsPerSecond;
    --sec;
  }
  tx.time.tv_sec = static_cast<time_t>(sec);
  tx.time.tv_usec = static_cast<suseconds_t>(rem);  // nanoseconds under ADJ_NANO
  if (clock_adjtime(CLOCK_REALTIME, &tx) < 0) return errno_error("cannot step the system clock");
  return ok();
}

Status SystemClock::slew(int64_t offset_ns) {
  int64_t us = offset_ns / 1000;
  timeval delta{};
  delta.tv_sec = static_cast<time_t>(us / 1'000'000);
  delta.tv_usec = static_cast<suseconds_t>(us % 1'000'000);
  if (adjtime(&delta, nullptr) != 0) return errno_error("cannot slew the system clock");
  return ok();
}

namespace {

// The kernel's tick: 1/USER_HZ s, in us; a tick 1 us longer runs the clock USER_HZ ppm faster.
long nominal_tick_us() { return (1'000'000 + sysconf(_SC_CLK_TCK) / 2) / sysconf(_SC_CLK_TCK); }

}  // namespace

OsResult<KernelSyncStatus> SystemClock::sync_status() {
  timex tx{};
  tx.modes = 0;  // read only
  int state = adjtimex(&tx);
  if (state < 0) return errno_error("cannot read the kernel clock status (adjtimex)");
  KernelSyncStatus s;
  s.synchronized = state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
  s.max_error_ns = static_cast<int64_t>(tx.maxerror) * 1000;
  s.est_error_ns = static_cast<int64_t>(tx.esterror) * 1000;
  s.offset_ns = (tx.status & STA_NANO) != 0 ? tx.offset : static_cast<int64_t>(tx.offset) * 1000;
  s.frequency_ppm = static_cast<double>(tx.freq) / 65536.0 +
                    static_cast<double>((tx.tick - nominal_tick_us()) * sysconf(_SC_CLK_TCK));
  return s;
}

Status SystemClock::set_frequency(double ppm) {
  if (!(std::fabs(ppm) <= kMaxFrequencyPpm)) return invalid("frequency beyond the kernel's ±500 ppm");
  timex tx{};
  tx.modes = ADJ_FREQUENCY | ADJ_TICK;
  tx.tick = nominal_tick_us();           // a slew's tick left behind goes
  tx.freq = std::lround(ppm * 65536.0);  // scaled ppm: 16 fractional bits
  if (adjtimex(&tx) < 0) return errno_error("cannot set the clock's frequency (adjtimex)");
  return ok();
}

Status SystemClock::discipline(double frequency_ppm, int64_t max_error_ns, int64_t est_error_ns) {
  if (!(std::fabs(frequency_ppm) <= kMaxDisciplinePpm)) return invalid("frequency beyond the kernel's ±10 %");
  // ADJ_FREQUENCY reaches ±500 ppm; the tick takes the rest in steps of USER_HZ ppm.
  long hz = sysconf(_SC_CLK_TCK);
  long ticks = std::lround(frequency_ppm / static_cast<double>(hz));
  timex tx{};
  tx.modes = ADJ_FREQUENCY | ADJ_TICK | ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR;
  tx.tick = nominal_tick_us() + ticks;
  tx.freq = std::lround((frequency_ppm - static_cast<double>(ticks * hz)) * 65536.0);
  tx.status = 0;  // no STA_PLL (sntpd slews itself), no STA_UNSYNC: the kernel reports synchronized
  tx.maxerror = static_cast<long>(max_error_ns / 1000);
  tx.esterror = static_cast<long>(est_error_ns / 1000);
  if (adjtimex(&tx) < 0) return errno_error("cannot discipline the system clock (adjtimex)");
  return ok();
}

void Clock::sleep_ns(int64_t ns) {
  if (ns <= 0) return;
  timespec ts{static_cast<time_t>(ns / kNsPerSecond), static_cast<long>(ns % kNsPerSecond)};
  // Restarted with the remainder when a signal interrupts it.
  while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR) {
  }
}

OsResult<core::BootStamp> Clock::boot_stamp() { return read_boot_stamp(); }

int64_t monotonic_ns() { return read_clock_or_exit(CLOCK_MONOTONIC); }

int64_t measure_resolution_ns(Clock& clock) {
  int64_t best = kNsPerSecond;
  int64_t prev_ns = clock.now_ns();
  // Bounded: 1000 reads of a clock take well under a millisecond.
  for (int i = 0; i < 1000; ++i) {
    int64_t read_ns = clock.now_ns();
    if (read_ns > prev_ns && read_ns - prev_ns < best) best = read_ns - prev_ns;
    prev_ns = read_ns;
  }
  return best;
}

}  // namespace lansync::os
