// A fake /dev/rtcN for tests of the kernel back end: RTC_RD_TIME and RTC_SET_TIME as rtc-ds1307 answers them.
//
// It keeps whole seconds from the fake clock's real time, starting a new
// second when set, and converts with codec/calendar (as the kernel does in 64
// bits, so dates past 2038 work where time_t is 32 bits); while `invalid` (the chip's OSF) it fails reads
// with EINVAL, as the driver does, and a set clears it.  Any errno can be injected.
#pragma once

#include <linux/rtc.h>

#include <cerrno>
#include <cstdint>

#include "codec/calendar.hpp"
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
    int64_t unix_s = time_ns() / 1'000'000'000;
    codec::CivilTime t = codec::civil_from_unix_seconds(unix_s);
    int64_t days = codec::days_from_civil(t.year, t.month, t.day);
    tm->tm_sec = t.second;
    tm->tm_min = t.minute;
    tm->tm_hour = t.hour;
    tm->tm_mday = t.day;
    tm->tm_mon = t.month - 1;
    tm->tm_year = t.year - 1900;
    tm->tm_wday = codec::weekday_from_days(days);
    tm->tm_yday = static_cast<int>(days - codec::days_from_civil(t.year, 1, 1));
    tm->tm_isdst = 0;
    return 0;
  }

  int set_time(const rtc_time& tm) override {
    if (set_errno != 0) return set_errno;
    last_set = tm;
    ++sets;
    codec::CivilTime t;
    t.year = tm.tm_year + 1900;
    t.month = static_cast<uint8_t>(tm.tm_mon + 1);
    t.day = static_cast<uint8_t>(tm.tm_mday);
    t.hour = static_cast<uint8_t>(tm.tm_hour);
    t.minute = static_cast<uint8_t>(tm.tm_min);
    t.second = static_cast<uint8_t>(tm.tm_sec);
    set_unix(codec::unix_seconds_from_civil(t));
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
