// The RTC interface and the choice of back end; see rtc.hpp.
#include "os/rtc.hpp"

#include <unistd.h>

#include "os/rtc_ds3231.hpp"
#include "os/rtc_i2c.hpp"
#include "os/rtc_kernel.hpp"

namespace lansync::os {
namespace {

Failure<Error> ds3231_only(const std::string& name, const char* what) {
  return fail(Error{std::make_error_code(std::errc::not_supported),
                    name + ": the kernel's RTC interface does not give the DS3231's " + what +
                        "; reach the chip over I2C with its kernel driver unbound"});
}

OsResult<std::unique_ptr<Rtc>> open_kernel(const std::string& path) {
  auto dev = open_rtc_device(path);
  if (!dev) return fail(dev.error());
  return std::unique_ptr<Rtc>(std::make_unique<KernelRtc>(std::move(*dev), path));
}

OsResult<std::unique_ptr<Rtc>> open_ds3231(int bus_number) {
  auto bus = open_i2c_bus(bus_number);
  if (!bus) return fail(bus.error());
  return std::unique_ptr<Rtc>(std::make_unique<Ds3231Rtc>(std::move(*bus)));
}

}  // namespace

OsResult<Ds3231Details> Rtc::read_details() {
  return ds3231_only(name(), "temperature, aging offset or OSF");
}

Status Rtc::write_aging(int8_t) { return ds3231_only(name(), "aging offset"); }

OsResult<uint16_t> Rtc::write_square_wave(bool) { return ds3231_only(name(), "square-wave output"); }

OsResult<std::unique_ptr<Rtc>> open_rtc(const RtcChoice& choice) {
  if (!choice.device.empty() && choice.bus >= 0)
    return invalid("choose an RTC device or an I2C bus, not both");
  if (!choice.device.empty()) return open_kernel(choice.device);
  if (choice.bus >= 0) return open_ds3231(choice.bus);
  if (::access(kDefaultRtcDevice, F_OK) == 0) return open_kernel(kDefaultRtcDevice);
  std::string i2c = "/dev/i2c-" + std::to_string(kDefaultI2cBus);
  if (::access(i2c.c_str(), F_OK) == 0) return open_ds3231(kDefaultI2cBus);
  return fail(Error{std::make_error_code(std::errc::no_such_device),
                    std::string("no RTC found: neither ") + kDefaultRtcDevice + " nor " + i2c + " exists"});
}

}  // namespace lansync::os
