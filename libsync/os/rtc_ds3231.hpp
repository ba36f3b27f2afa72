// A DS3231 over I2C, without a kernel driver: time, OSF, aging offset, temperature and square wave.
//
// Register layout in codec/ds3231.hpp.  Reads take the time and the status
// register in one transfer (the chip latches its time at the START), so the
// oscillator-stop flag always belongs to the time read with it.  Writes put
// the seconds register first: writing it restarts the chip's one-second
// countdown, so the RTC's second begins when set_time() is called.
#pragma once

#include <memory>
#include <string>

#include "os/rtc.hpp"
#include "os/rtc_i2c.hpp"

namespace lansync::os {

class Ds3231Rtc final : public Rtc {
 public:
  explicit Ds3231Rtc(std::unique_ptr<I2cBus> bus);
  explicit Ds3231Rtc(I2cBus& bus);  // not owned: for tests

  const std::string& name() const override { return name_; }
  OsResult<RtcReading> read_time() override;
  // Keeps the hours mode (12/24) the last read found; clears OSF, and EOSC so
  // that the clock keeps running on battery.
  Status set_time(int64_t unix_s) override;
  OsResult<Ds3231Details> read_details() override;
  Status write_aging(int8_t steps) override;
  OsResult<uint16_t> write_square_wave(bool one_hz) override;

 private:
  Status read_registers(uint8_t first, uint8_t* out, size_t n);
  Status write_registers(uint8_t first, const uint8_t* data, size_t n);

  std::unique_ptr<I2cBus> owned_;
  I2cBus* bus_;
  std::string name_;
  bool twelve_hour_ = false;
};

}  // namespace lansync::os
