// The kernel's RTC device, /dev/rtcN: read and set the time with RTC_RD_TIME and RTC_SET_TIME.
//
// Linux Documentation/admin-guide/rtc.rst; struct rtc_time is struct tm's
// layout (year since 1900, month 0-11), in UTC by convention.  Drivers that
// know the time is bad (rtc-ds1307 with the DS3231's OSF set) fail the read
// with EINVAL: that is an answer ("invalid"), not an error.  The two ioctls go
// through RtcDevice so that tests run KernelRtc against a fake device.
#pragma once

#include <linux/rtc.h>

#include <memory>
#include <string>

#include "os/rtc.hpp"

namespace lansync::os {

// The system calls KernelRtc makes on an open /dev/rtcN.
class RtcDevice {
 public:
  virtual ~RtcDevice() = default;
  virtual int read_time(rtc_time* tm) = 0;       // RTC_RD_TIME: 0, or the errno value
  virtual int set_time(const rtc_time& tm) = 0;  // RTC_SET_TIME: 0, or the errno value
};

// Opens path (read-only suffices for both ioctls; /dev/rtcN opens exclusively).
OsResult<std::unique_ptr<RtcDevice>> open_rtc_device(const std::string& path);

class KernelRtc final : public Rtc {
 public:
  KernelRtc(std::unique_ptr<RtcDevice> device, std::string path);
  KernelRtc(RtcDevice& device, std::string path);  // not owned: for tests

  const std::string& name() const override { return path_; }
  OsResult<RtcReading> read_time() override;
  Status set_time(int64_t unix_s) override;

 private:
  std::unique_ptr<RtcDevice> owned_;
  RtcDevice* device_;
  std::string path_;
};

}  // namespace lansync::os
