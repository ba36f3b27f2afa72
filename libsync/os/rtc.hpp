// The battery-backed real-time clock behind one interface, whichever way it is reached.
//
// Two back ends: the kernel's /dev/rtcN (os/rtc_kernel.hpp), and a DS3231
// spoken to directly over /dev/i2c-N (os/rtc_ds3231.hpp) for when no kernel
// driver is bound; only the second reaches the DS3231's oscillator-stop flag,
// aging offset, temperature and square wave (Linux's rtc-ds1307 driver
// exposes none of them through /dev/rtcN).  RTCs count whole seconds, and
// lansync keeps them in UTC, as Linux does.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "os/error.hpp"

namespace lansync::os {

struct RtcReading {
  bool has_time = false;  // the RTC showed a date (the kernel gives none while OSF is set)
  int64_t unix_s = 0;     // that date, seconds since the Unix epoch, UTC
  bool valid = false;     // the RTC vouches for it: its oscillator has not stopped since it was set
  std::string problem;    // why it is not valid, one line
};

// The DS3231's registers beyond the time (datasheet, 0Eh-12h).
struct Ds3231Details {
  int16_t temperature_qc = 0;    // quarter degrees Celsius, as last converted (every 64 s)
  int8_t aging = 0;              // aging offset; positive slows the clock, about 0.1 ppm per step
  bool osf = false;              // oscillator-stop flag: the time is not trustworthy
  bool stop_on_battery = false;  // EOSC set: the oscillator stops on battery, time is lost at power-off
  bool twelve_hour = false;      // the hours register is in 12-hour mode
  bool busy = false;             // a temperature conversion is running
  uint16_t square_wave_hz = 0;   // the INT/SQW pin's square wave: 0 (the alarm interrupt, INTCN), 1, 1024,
                                 // 4096 or 8192 Hz
};

class Rtc {
 public:
  virtual ~Rtc() = default;

  // What the messages call it: "/dev/rtc0", "DS3231 at 0x68 on /dev/i2c-1".
  virtual const std::string& name() const = 0;
  // The time the RTC shows now, and whether it vouches for it.
  virtual OsResult<RtcReading> read_time() = 0;
  // Sets the RTC to unix_s (UTC) at once, starting its second now, and marks
  // its time valid (the DS3231's OSF cleared).
  virtual Status set_time(int64_t unix_s) = 0;
  // DS3231 only; other back ends fail with ENOTSUP and say why.
  virtual OsResult<Ds3231Details> read_details();
  // Writes the DS3231's aging offset (-128..127) and starts a conversion so
  // that it takes effect now, not at the next 64 s conversion.  DS3231 only.
  virtual Status write_aging(int8_t steps);
  // Sets the DS3231's INT/SQW pin to a 1 Hz square wave (one_hz) or to the
  // alarm interrupt it powers on as, control's other bits kept; returns the
  // square wave before, in Hz (0: none).  DS3231 only.
  virtual OsResult<uint16_t> write_square_wave(bool one_hz);
};

inline constexpr const char* kDefaultRtcDevice = "/dev/rtc0";
inline constexpr int kDefaultI2cBus = 1;  // the Raspberry Pi's header I2C

// Which RTC to open: a kernel device, a DS3231 on an I2C bus, or (neither
// given) /dev/rtc0 if it exists, else a DS3231 on /dev/i2c-1.
struct RtcChoice {
  std::string device;  // /dev/rtcN
  int bus = -1;        // N of /dev/i2c-N
};

OsResult<std::unique_ptr<Rtc>> open_rtc(const RtcChoice& choice);

}  // namespace lansync::os
