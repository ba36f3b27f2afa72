// An I2C bus master: write some bytes to a device, then read some back.
//
// The DS3231 back end talks to the chip through I2cBus; LinuxI2cBus is
// /dev/i2c-N (Linux Documentation/i2c/dev-interface.rst), and tests put an
// emulated chip behind the same interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "os/error.hpp"

namespace lansync::os {

class I2cBus {
 public:
  virtual ~I2cBus() = default;
  // "/dev/i2c-1", for messages.
  virtual const std::string& name() const = 0;
  // Writes out_size bytes (if any) to the 7-bit address, then reads in_size
  // bytes (if any) from it.  A device that does not acknowledge is an error.
  virtual Status transfer(uint8_t address, const uint8_t* out, size_t out_size, uint8_t* in,
                          size_t in_size) = 0;
};

// Opens /dev/i2c-<number>.  The first transfer to an address claims it with
// I2C_SLAVE, which fails with EBUSY while a kernel driver owns the device.
OsResult<std::unique_ptr<I2cBus>> open_i2c_bus(int number);

}  // namespace lansync::os
