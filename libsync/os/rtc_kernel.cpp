// /dev/rtcN; see rtc_kernel.hpp.
#include "os/rtc_kernel.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>

#include "codec/calendar.hpp"

namespace lansync::os {
namespace {

class FdRtcDevice final : public RtcDevice {
 public:
  explicit FdRtcDevice(int fd) : fd_(fd) {}
  ~FdRtcDevice() override { ::close(fd_); }
  FdRtcDevice(const FdRtcDevice&) = delete;
  FdRtcDevice& operator=(const FdRtcDevice&) = delete;

  int read_time(rtc_time* tm) override { return ::ioctl(fd_, RTC_RD_TIME, tm) == 0 ? 0 : errno; }
  int set_time(const rtc_time& tm) override { return ::ioctl(fd_, RTC_SET_TIME, &tm) == 0 ? 0 : errno; }

 private:
  int fd_;
};

Failure<Error> ioctl_error(int err, const std::string& what) {
  errno = err;
  return errno_error(what);
}

}  // namespace

OsResult<std::unique_ptr<RtcDevice>> open_rtc_device(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error("cannot open " + path);
  return std::unique_ptr<RtcDevice>(std::make_unique<FdRtcDevice>(fd));
}

KernelRtc::KernelRtc(std::unique_ptr<RtcDevice> device, std::string path)
    : owned_(std::move(device)), device_(owned_.get()), path_(std::move(path)) {}

KernelRtc::KernelRtc(RtcDevice& device, std::string path) : device_(&device), path_(std::move(path)) {}

OsResult<RtcReading> KernelRtc::read_time() {
  rtc_time tm{};
  int err = device_->read_time(&tm);
  RtcReading r;
  if (err == EINVAL) {
    r.problem =
        "the kernel reports the RTC's time invalid (EINVAL): its oscillator stopped or it was never set";
    return r;
  }
  if (err == ENOTTY) return ioctl_error(err, path_ + " is not an RTC (RTC_RD_TIME)");
  if (err != 0) return ioctl_error(err, "cannot read the time of " + path_);
  codec::CivilTime t;
  t.year = tm.tm_year + 1900;
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour < 0 ||
      tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 59) {
    r.problem = "the kernel returned an impossible date from " + path_;
    return r;
  }
  t.month = static_cast<uint8_t>(tm.tm_mon + 1);
  t.day = static_cast<uint8_t>(tm.tm_mday);
  t.hour = static_cast<uint8_t>(tm.tm_hour);
  t.minute = static_cast<uint8_t>(tm.tm_min);
  t.second = static_cast<uint8_t>(tm.tm_sec);
  if (!codec::is_valid_civil(t)) {
    r.problem = "the kernel returned an impossible date from " + path_;
    return r;
  }
  r.has_time = true;
  r.unix_s = codec::unix_seconds_from_civil(t);
  r.valid = true;
  return r;
}

Status KernelRtc::set_time(int64_t unix_s) {
  codec::CivilTime t = codec::civil_from_unix_seconds(unix_s);
  int64_t days = codec::days_from_civil(t.year, t.month, t.day);
  rtc_time tm{};
  tm.tm_year = t.year - 1900;
  tm.tm_mon = t.month - 1;
  tm.tm_mday = t.day;
  tm.tm_hour = t.hour;
  tm.tm_min = t.minute;
  tm.tm_sec = t.second;
  tm.tm_wday = codec::weekday_from_days(days);
  tm.tm_yday = static_cast<int>(days - codec::days_from_civil(t.year, 1, 1));
  tm.tm_isdst = 0;
  int err = device_->set_time(tm);
  if (err == ENOTTY) return ioctl_error(err, path_ + " is not an RTC (RTC_SET_TIME)");
  if (err != 0) return ioctl_error(err, "cannot set the time of " + path_);
  return ok();
}

}  // namespace lansync::os
