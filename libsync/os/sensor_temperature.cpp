// Temperature sensors: a file in millidegrees, the DS3231 over I2C; see sensor_temperature.hpp.
#include "os/sensor_temperature.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string_view>
#include <vector>

#include "os/file.hpp"
#include "os/rtc.hpp"
#include "os/rtc_ds3231.hpp"

namespace lansync::os {
namespace {

namespace fs = std::filesystem;

// A sysfs attribute is at most a page; anything longer is no sensor's file.
constexpr size_t kMaxSensorFileBytes = 4096;
// What a working sensor reads; a disconnected hwmon channel shows e.g. -127 or 255.
constexpr int64_t kMinMilliC = -60'000;
constexpr int64_t kMaxMilliC = 150'000;
constexpr int64_t kMilliCPerQuarter = 250;

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\n\r\v\f";
  size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Degrees Celsius of a reading in millidegrees, unless it is outside what a working sensor gives;
// `reading` is how the message shows it.
OsResult<double> celsius_in_range(const std::string& name, int64_t milli_c, const std::string& reading) {
  if (milli_c < kMinMilliC || milli_c > kMaxMilliC) {
    return invalid(name + ": " + reading + " is outside -60..150 degrees Celsius");
  }
  return static_cast<double>(milli_c) / 1000.0;
}

// "45277\n" is 45.277 degrees: an optional sign and digits, white space around them allowed.
OsResult<double> parse_millidegrees(const std::string& name, std::string_view text) {
  std::string_view number = trim(text);
  std::string_view digits = number;
  bool negative = !digits.empty() && digits.front() == '-';
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits.remove_prefix(1);
  if (!all_digits(digits))
    return invalid(name + ": not a temperature in millidegrees: '" + shown(number) + "'");
  int64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc()) value = std::numeric_limits<int64_t>::max();  // too many digits: out of range
  return celsius_in_range(name, negative ? -value : value, shown(number) + " millidegrees");
}

// A file in millidegrees Celsius, read whole at each reading.
class FileSensor final : public TemperatureSensor {
 public:
  explicit FileSensor(std::string path) : path_(std::move(path)) {}

  const std::string& name() const override { return path_; }

  OsResult<double> read_celsius() override {
    auto text = read_small_file(path_, kMaxSensorFileBytes);
    if (!text) return fail(text.error());
    return parse_millidegrees(path_, *text);
  }

 private:
  std::string path_;
};

// The DS3231's sensor over I2C: quarter degrees, converted by the chip every 64 s.
class Ds3231Sensor final : public TemperatureSensor {
 public:
  explicit Ds3231Sensor(std::unique_ptr<I2cBus> bus) : rtc_(std::move(bus)) {}

  const std::string& name() const override { return rtc_.name(); }

  OsResult<double> read_celsius() override {
    auto details = rtc_.read_details();
    if (!details) return fail(details.error());
    int quarters = details->temperature_qc;
    return celsius_in_range(name(), quarters * kMilliCPerQuarter,
                            std::to_string(quarters) + " quarter degrees");
  }

 private:
  Ds3231Rtc rtc_;
};

// The sensor if it reads now, else the reason it does not.
OsResult<std::unique_ptr<TemperatureSensor>> checked(std::unique_ptr<TemperatureSensor> sensor) {
  if (auto reading = sensor->read_celsius(); !reading) return fail(reading.error());
  return sensor;
}

// The hwmonN directories, in order of name.
std::vector<fs::path> hwmon_dirs(const std::string& hwmon_dir) {
  std::vector<fs::path> dirs;
  std::error_code ec;
  for (fs::directory_iterator it(hwmon_dir, ec), end; !ec && it != end; it.increment(ec)) {
    dirs.push_back(it->path());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

// The hwmon directory is the DS3231's (on bus `bus`, unless it is -1): its
// name file says "ds3231", and its device link ends in the I2C client "N-0068".
bool is_ds3231(const fs::path& dir, int bus) {
  auto name = read_small_file((dir / "name").string(), kMaxSensorFileBytes);
  if (!name || trim(*name) != "ds3231") return false;
  if (bus < 0) return true;
  std::error_code ec;
  fs::path device = fs::read_symlink(dir / "device", ec);
  return !ec && device.filename() == std::to_string(bus) + "-0068";
}

// temp1_input of the DS3231 the kernel shows as hwmon, or "" if there is none.
std::string ds3231_hwmon_file(const std::string& hwmon_dir, int bus) {
  for (const fs::path& dir : hwmon_dirs(hwmon_dir)) {
    if (is_ds3231(dir, bus)) return (dir / "temp1_input").string();
  }
  return {};
}

OsResult<std::unique_ptr<TemperatureSensor>> open_ds3231(int bus, const TemperatureSystem& system) {
  std::string hwmon = ds3231_hwmon_file(system.hwmon_dir, bus);
  if (!hwmon.empty()) return checked(std::make_unique<FileSensor>(hwmon));
  auto i2c = system.open_i2c(bus < 0 ? kDefaultI2cBus : bus);
  if (!i2c) return fail(i2c.error());
  return checked(std::make_unique<Ds3231Sensor>(std::move(*i2c)));
}

OsResult<std::unique_ptr<TemperatureSensor>> open_auto(const TemperatureSystem& system) {
  auto zone0 = checked(std::make_unique<FileSensor>(system.thermal_dir + "/thermal_zone0/temp"));
  if (!zone0) return std::unique_ptr<TemperatureSensor>();
  return zone0;
}

Failure<Error> bad_choice(const std::string& text) {
  return invalid("temperature sensor '" + shown(text) +
                 "': expected auto, none, ds3231, ds3231:N (N of /dev/i2c-N) or a file's path with a '/'");
}

}  // namespace

OsResult<TemperatureChoice> parse_temperature_choice(const std::string& text) {
  using Kind = TemperatureChoice::Kind;
  if (text == "auto") return TemperatureChoice{Kind::Auto, -1, ""};
  if (text == "none") return TemperatureChoice{Kind::None, -1, ""};
  if (text == "ds3231") return TemperatureChoice{Kind::Ds3231, -1, ""};
  constexpr std::string_view kDs3231Bus = "ds3231:";
  if (text.rfind(kDs3231Bus, 0) == 0) {
    std::string_view number = std::string_view(text).substr(kDs3231Bus.size());
    int bus = -1;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), bus);
    if (!all_digits(number) || ec != std::errc()) return bad_choice(text);
    return TemperatureChoice{Kind::Ds3231, bus, ""};
  }
  if (text.find('/') == std::string::npos) return bad_choice(text);
  return TemperatureChoice{Kind::File, -1, text};
}

OsResult<std::unique_ptr<TemperatureSensor>> open_temperature_sensor(const TemperatureChoice& choice,
                                                                     const TemperatureSystem& system) {
  switch (choice.kind) {
    case TemperatureChoice::Kind::None: return std::unique_ptr<TemperatureSensor>();
    case TemperatureChoice::Kind::Auto: return open_auto(system);
    case TemperatureChoice::Kind::Ds3231: return open_ds3231(choice.bus, system);
    case TemperatureChoice::Kind::File: return checked(std::make_unique<FileSensor>(choice.path));
  }
  return invalid("unknown kind of temperature sensor");
}

}  // namespace lansync::os
