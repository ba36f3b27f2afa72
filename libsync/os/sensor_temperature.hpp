// A temperature sensor read on demand, for learning how the crystal's frequency follows temperature.
//
// Two kinds behind one interface: a file in millidegrees Celsius as Linux
// gives them (thermal_zoneN/temp, hwmon's tempN_input, a simulation's file),
// and the DS3231's own sensor over /dev/i2c-N (os/rtc_ds3231.hpp, quarter
// degrees).  When the kernel's rtc-ds1307 driver owns the DS3231 it shows the
// sensor as hwmon (name "ds3231", temp1_input), and that file is read instead.
// open_temperature_sensor() is the one place that turns a choice into a kind.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "os/error.hpp"
#include "os/rtc_i2c.hpp"

namespace lansync::os {

// A temperature sensor: one reading on demand.
class TemperatureSensor {
 public:
  virtual ~TemperatureSensor() = default;
  // For messages and status: "/sys/class/thermal/thermal_zone0/temp", "DS3231 at 0x68 on /dev/i2c-1".
  virtual const std::string& name() const = 0;
  // Degrees Celsius now; a reading outside -60..150 (a sensor not connected) is an error.
  virtual OsResult<double> read_celsius() = 0;
};

// What --temperature names: "auto", "none", "ds3231" or "ds3231:N" (N: /dev/i2c-N), or a PATH.
struct TemperatureChoice {
  enum class Kind { Auto, None, Ds3231, File };
  Kind kind = Kind::Auto;
  int bus = -1;      // Ds3231: N of /dev/i2c-N; -1: any DS3231 the kernel shows, else kDefaultI2cBus
  std::string path;  // File: a file holding millidegrees Celsius
};

// The choice a text names; a PATH holds a '/' ("./temp" for one here).  Errors are one line.
OsResult<TemperatureChoice> parse_temperature_choice(const std::string& text);

// Where open_temperature_sensor() looks: the system's by default, a test's own in tests.
struct TemperatureSystem {
  std::string thermal_dir = "/sys/class/thermal";  // holds thermal_zoneN/temp
  std::string hwmon_dir = "/sys/class/hwmon";      // holds hwmonN/name, temp1_input and the device link
  std::function<OsResult<std::unique_ptr<I2cBus>>(int bus)> open_i2c = open_i2c_bus;  // /dev/i2c-N
};

// Opens the sensor and reads it once: nullptr for "none", and for "auto" when
// thermal_zone0 does not read; a chosen sensor that does not read is an error.
// "ds3231" prefers the kernel's hwmon sensor (for "ds3231:N", the one on bus N).
OsResult<std::unique_ptr<TemperatureSensor>> open_temperature_sensor(const TemperatureChoice& choice,
                                                                     const TemperatureSystem& system = {});

}  // namespace lansync::os
