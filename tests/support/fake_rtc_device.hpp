// A fake /dev/rtcN for tests of the kernel back end: RTC_RD_TIME and RTC_SET_TIME as rtc-ds1307 answers them.
//
// It keeps whole seconds from the fake clock's real time, starting a new
// second when set; while `invalid` (the chip's OSF) it fails reads with
// EINVAL, as the driver does, and a set clears it.  Any errno can be injected.
#pragma once

#include <linux/rtc.h>

#include <cerrno>
#include <cstdint>
#include <ctime>

#include "fake_clock.hpp"
#include "os/rtc_kernel.hpp"

namespace lansync::testing {

class FakeRtcDevice final : public os::RtcDevice {
 public:
  explicit FakeRtcDevice(FakeClock& clock) : clock_(clock) {}

  int read_time(rtc_time* tm) override {
    ++reads;
    if (read_errno != 0) return read_errno;
    if (invalid) return EINVAL;
    time_t t = static_cast<time_t>(time_ns() / 1'000'000'000);
    struct tm g {};
    gmtime_r(&t, &g);
    tm->tm_sec = g.tm_sec;
    tm->tm_min = g.tm_min;
    tm->tm_hour = g.tm_hour;
    tm->tm_mday = g.tm_mday;
    tm->tm_mon = g.tm_mon;
    tm->tm_year = g.tm_year;
    tm->tm_wday = g.tm_wday;
    tm->tm_yday = g.tm_yday;
    tm->tm_isdst = 0;
    return 0;
  }

  int set_time(const rtc_time& tm) override {
    if (set_errno != 0) return set_errno;
    last_set = tm;
    ++sets;
    struct tm g {};
    g.tm_sec = tm.tm_sec;
    g.tm_min = tm.tm_min;
    g.tm_hour = tm.tm_hour;
    g.tm_mday = tm.tm_mday;
    g.tm_mon = tm.tm_mon;
    g.tm_year = tm.tm_year;
    set_unix(static_cast<int64_t>(timegm(&g)));
    invalid = false;
    return 0;
  }

  // The RTC shows unix_s now, at the start of its second.
  void set_unix(int64_t unix_s) {
    base_ns_ = unix_s * 1'000'000'000;
    base_mono_ns_ = clock_.monotonic_ns();
  }
  // The RTC's exact time (its second's phase included), Unix nanoseconds.
  int64_t time_ns() const { return base_ns_ + (clock_.monotonic_ns() - base_mono_ns_); }

  bool invalid = false;
  int read_errno = 0;  // fail every read with this
  int set_errno = 0;   // fail every set with this
  int reads = 0;
  int sets = 0;
  rtc_time last_set{};

 private:
  FakeClock& clock_;
  int64_t base_ns_ = 0;
  int64_t base_mono_ns_ = 0;
};

}  // namespace lansync::testing
