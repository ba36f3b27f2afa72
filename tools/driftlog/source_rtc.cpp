// rtc:/dev/rtcN and ds3231:/dev/i2c-N: the battery clock as the reference (rtcset's RTC code).
//
// An RTC counts whole seconds, so one reading says little; the moment its
// seconds change says a lot.  Each measurement polls the RTC until its seconds
// tick (flow::read_rtc_at_tick, at most 1.2 s) and takes the offset at that
// instant: RTC - local clock, to within the polling interval (1 ms).  An RTC
// whose time is invalid (the DS3231's oscillator-stop flag, the kernel's
// EINVAL) gives an "unsynchronized" row, not a number.  With the RTC as the
// reference, drift_ppm is the local clock's rate against the RTC: the RTC's
// own drift is minus that (README, "RTC drift").
#include <charconv>

#include "flow/rtc_sync.hpp"
#include "os/clock.hpp"
#include "os/rtc.hpp"
#include "source.hpp"

namespace lansync::driftlog {
namespace {

class RtcSource final : public Source {
 public:
  explicit RtcSource(std::unique_ptr<os::Rtc> rtc) : rtc_(std::move(rtc)) {}

  Reading measure(const MeasureContext&) override {
    Reading r;
    r.mono_ns = os::monotonic_ns();
    r.local_ns = clock_.now_ns();
    auto tick = flow::read_rtc_at_tick(*rtc_, clock_);
    if (!tick) {
      r.status = core::ReadingStatus::Error;
      r.detail = tick.error().message;
      return r;
    }
    if (!tick->reading.valid) {
      r.status = core::ReadingStatus::Unsynchronized;
      r.detail = tick->reading.problem;
      return r;
    }
    if (!tick->at_tick) {
      r.status = core::ReadingStatus::Error;
      r.detail = "the RTC's seconds did not change while it was read";
      return r;
    }
    // At the tick the RTC shows a whole second exactly.
    r.local_ns = tick->tick_system_ns;
    r.offset_s = static_cast<double>(tick->reading.unix_s * 1'000'000'000 - tick->tick_system_ns) / 1e9;
    r.status = core::ReadingStatus::Ok;
    return r;
  }

 private:
  std::unique_ptr<os::Rtc> rtc_;
  os::SystemClock clock_;
};

Result<std::unique_ptr<Source>, std::string> open_with(const os::RtcChoice& choice) {
  auto rtc = os::open_rtc(choice);
  if (!rtc) return fail(rtc.error().message);
  return std::unique_ptr<Source>(std::make_unique<RtcSource>(std::move(*rtc)));
}

Result<std::unique_ptr<Source>, std::string> open_rtc(const std::string& argument) {
  if (argument.rfind("/dev/", 0) != 0) return fail(std::string("expected a device such as /dev/rtc0"));
  return open_with({argument, -1});
}

Result<std::unique_ptr<Source>, std::string> open_ds3231(const std::string& argument) {
  // ds3231:/dev/i2c-1 or ds3231:1
  std::string number = argument.rfind("/dev/i2c-", 0) == 0 ? argument.substr(9) : argument;
  int bus = -1;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), bus);
  if (number.empty() || ec != std::errc() || end != number.data() + number.size() || bus < 0) {
    return fail(std::string("expected an I2C bus such as /dev/i2c-1"));
  }
  return open_with({"", bus});
}

const SourceRegistration kRtc{{"rtc", "rtc:/dev/rtcN", open_rtc}};
const SourceRegistration kDs3231{{"ds3231", "ds3231:/dev/i2c-N", open_ds3231}};

}  // namespace
}  // namespace lansync::driftlog
