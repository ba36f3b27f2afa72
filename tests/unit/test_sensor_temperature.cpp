// Unit tests of the temperature sensors (os/sensor_temperature): files in millidegrees, hwmon's
// DS3231, the DS3231 over I2C (the emulated chip), "auto" and "none", and the --temperature text.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "../support/ds3231_emulator.hpp"
#include "../support/fake_clock.hpp"
#include "../support/seed.hpp"
#include "../support/temp_dir.hpp"
#include "in_child.hpp"
#include "os/rtc.hpp"
#include "os/sensor_temperature.hpp"

namespace lansync::os {
namespace {

namespace fs = std::filesystem;
using Kind = TemperatureChoice::Kind;

void write(const fs::path& path, const std::string& contents) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
}

// The emulated chip as a bus the sensor owns.
class BusTo final : public I2cBus {
 public:
  explicit BusTo(I2cBus& to) : to_(to) {}
  const std::string& name() const override { return to_.name(); }
  Status transfer(uint8_t address, const uint8_t* out, size_t out_size, uint8_t* in,
                  size_t in_size) override {
    return to_.transfer(address, out, out_size, in, in_size);
  }

 private:
  I2cBus& to_;
};

struct SensorTest : ::testing::Test {
  testing::TempDir dir;
  testing::FakeClock clock;
  testing::Ds3231Emulator chip{clock};
  std::vector<int> buses_opened;  // what the sensor asked open_i2c for
  TemperatureSystem system{(dir.path() / "thermal").string(), (dir.path() / "hwmon").string(),
                           [this](int bus) -> OsResult<std::unique_ptr<I2cBus>> {
                             buses_opened.push_back(bus);
                             return std::unique_ptr<I2cBus>(std::make_unique<BusTo>(chip));
                           }};
  std::string file = (dir.path() / "temp").string();

  OsResult<std::unique_ptr<TemperatureSensor>> open(const std::string& text) {
    auto choice = parse_temperature_choice(text);
    EXPECT_TRUE(choice.ok()) << choice.error().message;
    return open_temperature_sensor(*choice, system);
  }

  // The reading of `file` holding `contents`, or its error message.
  std::string read_file_holding(const std::string& contents) {
    write(file, contents);
    FileReading r = read_path(file);
    return r.message;
  }

  struct FileReading {
    bool ok = false;
    double celsius = 0;
    std::string message;  // the error's, or the reading as text
  };
  FileReading read_path(const std::string& path) {
    auto sensor = open_temperature_sensor({Kind::File, -1, path}, system);
    if (!sensor) return {false, 0, sensor.error().message};
    auto c = (*sensor)->read_celsius();
    if (!c) return {false, 0, c.error().message};
    return {true, *c, std::to_string(*c)};
  }

  // hwmon/<entry> with a name file, temp1_input and a device link to .../<device>.
  void add_hwmon(const std::string& entry, const std::string& name, const std::string& temp,
                 const std::string& device = "") {
    fs::path d = dir.path() / "hwmon" / entry;
    write(d / "name", name);
    write(d / "temp1_input", temp);
    if (device.empty()) return;
    fs::create_directories(dir.path() / "devices" / device);
    fs::create_directory_symlink("../../devices/" + device, d / "device");
  }
};

// Good readings.

TEST_F(SensorTest, ReadsMillidegrees) {
  for (auto [text, celsius] : std::vector<std::pair<std::string, double>>{{"45277\n", 45.277},
                                                                          {"45277", 45.277},
                                                                          {"-5500\n", -5.5},
                                                                          {"+12000", 12.0},
                                                                          {"  \t38500 \r\n\n", 38.5},
                                                                          {"0\n", 0.0},
                                                                          {"-0", 0.0},
                                                                          {"000042000", 42.0}}) {
    write(file, text);
    FileReading r = read_path(file);
    ASSERT_TRUE(r.ok) << "'" << text << "': " << r.message;
    EXPECT_DOUBLE_EQ(r.celsius, celsius) << "'" << text << "'";
  }
}

TEST_F(SensorTest, TheNameIsThePath) {
  write(file, "45277\n");
  auto sensor = open(file);
  ASSERT_TRUE(sensor.ok()) << sensor.error().message;
  EXPECT_EQ((*sensor)->name(), file);
}

TEST_F(SensorTest, EachReadingReadsTheFileAgain) {
  write(file, "45277\n");
  auto sensor = open(file);
  ASSERT_TRUE(sensor.ok()) << sensor.error().message;
  EXPECT_DOUBLE_EQ(*(*sensor)->read_celsius(), 45.277);
  write(file, "46000\n");
  EXPECT_DOUBLE_EQ(*(*sensor)->read_celsius(), 46.0);
  write(file, "garbage\n");
  auto bad = (*sensor)->read_celsius();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, file + ": not a temperature in millidegrees: 'garbage'");
  write(file, "-1000");  // and it recovers
  EXPECT_DOUBLE_EQ(*(*sensor)->read_celsius(), -1.0);
}

TEST_F(SensorTest, TheRangeLimitsAreIncluded) {
  EXPECT_EQ(read_file_holding("-60000\n"), std::to_string(-60.0));
  EXPECT_EQ(read_file_holding("150000\n"), std::to_string(150.0));
  EXPECT_EQ(read_file_holding("-60001\n"),
            file + ": -60001 millidegrees is outside -60..150 degrees Celsius");
  EXPECT_EQ(read_file_holding("150001\n"),
            file + ": 150001 millidegrees is outside -60..150 degrees Celsius");
}

TEST_F(SensorTest, ADisconnectedChannelIsOutsideTheRange) {
  EXPECT_EQ(read_file_holding("-127000\n"),
            file + ": -127000 millidegrees is outside -60..150 degrees Celsius");
  EXPECT_EQ(read_file_holding("255000\n"),
            file + ": 255000 millidegrees is outside -60..150 degrees Celsius");
  // More digits than an int64_t holds.
  EXPECT_EQ(read_file_holding("99999999999999999999999\n"),
            file + ": 99999999999999999999999 millidegrees is outside -60..150 degrees Celsius");
  EXPECT_EQ(read_file_holding("-99999999999999999999999"),
            file + ": -99999999999999999999999 millidegrees is outside -60..150 degrees Celsius");
}

// Bad contents: one line naming the file, the contents quoted without their white space.

TEST_F(SensorTest, TextThatIsNoNumberIsRefused) {
  for (auto [contents, quoted] : std::vector<std::pair<std::string, std::string>>{
           {"abc", "abc"},
           {"abc\n", "abc"},
           {"", ""},
           {"\n", ""},
           {"   \n\t", ""},
           {"45.5\n", "45.5"},
           {"45 277\n", "45 277"},
           {"45277abc", "45277abc"},
           {"0x1F", "0x1F"},
           {"--5", "--5"},
           {"+-5", "+-5"},
           {"-", "-"},
           {"+", "+"},
           {"1e3", "1e3"},
           {"45277\n46000\n", "45277\n46000"},
       }) {
    EXPECT_EQ(read_file_holding(contents),
              file + ": not a temperature in millidegrees: '" + shown(quoted) + "'")
        << "'" << contents << "'";
  }
}

TEST_F(SensorTest, BinaryGarbageIsQuotedOnOneLine) {
  std::string garbage("\x00\x01\x1b[2J45\x7f\xff", 10);
  EXPECT_EQ(read_file_holding(garbage),
            file + ": not a temperature in millidegrees: '" + std::string(3, '?') + "[2J45?\xff'");
}

TEST_F(SensorTest, ALongLineIsCutInTheMessage) {
  std::string line(200, 'x');
  EXPECT_EQ(read_file_holding(line),
            file + ": not a temperature in millidegrees: '" + std::string(120, 'x') + "...'");
}

TEST_F(SensorTest, AFileLargerThanAPageIsRefused) {
  std::string page = "45277" + std::string(4096 - 5, ' ');
  EXPECT_EQ(read_file_holding(page), std::to_string(45.277));
  EXPECT_EQ(read_file_holding(page + " "), "cannot read " + file + ": File too large");
  EXPECT_EQ(read_file_holding(std::string(1 << 20, '7')), "cannot read " + file + ": File too large");
}

TEST_F(SensorTest, AMissingFileOrADirectoryIsAnError) {
  EXPECT_EQ(read_path(file).message, "cannot open " + file + ": No such file or directory");
  std::string subdir = (dir.path() / "zone").string();
  fs::create_directory(subdir);
  EXPECT_EQ(read_path(subdir).message, "cannot read " + subdir + ": Is a directory");
}

TEST_F(SensorTest, AReadErrorIsAnError) {
  // Offset 0 of a process's memory is not mapped: the read fails with EIO, as a sysfs attribute
  // fails with EAGAIN or ENODATA when its device does not answer.
  EXPECT_EQ(read_path("/proc/self/mem").message, "cannot read /proc/self/mem: Input/output error");
}

std::string g_unreadable;  // the file the child below reads

bool unreadable_is_refused() {
  if (::geteuid() == 0 && ::setuid(65534) != 0) return false;  // root reads everything: be nobody
  auto sensor = open_temperature_sensor({Kind::File, -1, g_unreadable});
  return !sensor.ok() && sensor.error().message == "cannot open " + g_unreadable + ": Permission denied";
}

TEST_F(SensorTest, AFileWithoutReadPermissionIsAnError) {
  write(file, "45277\n");
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  fs::permissions(file, fs::perms::none);
  g_unreadable = file;
  int status = unit::in_child(unreadable_is_refused);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(SensorTest, AnyContentsGiveAReadingInRangeOrOneLine) {
  auto rng = testing::seeded_rng();
  std::uniform_int_distribution<int> length(0, 24), byte(0, 255), pick(0, 3);
  const std::string likely = "0123456789+- \n\t";
  for (int i = 0; i < 500; ++i) {
    std::string contents;
    for (int n = length(rng); n > 0; --n) {
      contents += pick(rng) == 0 ? static_cast<char>(byte(rng))
                                 : likely[static_cast<size_t>(byte(rng)) % likely.size()];
    }
    write(file, contents);
    FileReading r = read_path(file);
    if (r.ok) {
      EXPECT_GE(r.celsius, -60.0);
      EXPECT_LE(r.celsius, 150.0);
    } else {
      EXPECT_EQ(r.message.rfind(file + ": ", 0), 0u) << r.message;
      EXPECT_EQ(r.message.find('\n'), std::string::npos) << r.message;
    }
  }
}

// "auto" and "none".

TEST_F(SensorTest, AutoTakesThermalZone0) {
  write(dir.path() / "thermal/thermal_zone0/temp", "45277\n");
  write(dir.path() / "thermal/thermal_zone1/temp", "30000\n");
  auto sensor = open("auto");
  ASSERT_TRUE(sensor.ok()) << sensor.error().message;
  ASSERT_NE(*sensor, nullptr);
  EXPECT_EQ((*sensor)->name(), (dir.path() / "thermal/thermal_zone0/temp").string());
  EXPECT_DOUBLE_EQ(*(*sensor)->read_celsius(), 45.277);
}

TEST_F(SensorTest, AutoWithoutZone0IsNone) {
  write(dir.path() / "thermal/thermal_zone1/temp", "30000\n");
  auto sensor = open("auto");
  ASSERT_TRUE(sensor.ok()) << sensor.error().message;
  EXPECT_EQ(*sensor, nullptr);
  fs::remove_all(dir.path() / "thermal");
  sensor = open("auto");
  ASSERT_TRUE(sensor.ok()) << sensor.error().message;
  EXPECT_EQ(*sensor, nullptr);
  EXPECT_TRUE(buses_opened.empty());  // auto never speaks to an I2C bus
}

TEST_F(SensorTest, AutoWithAZone0ThatDoesNotReadIsNone) {
  for (std::string contents : {"", "-127000\n", "abc"}) {
    write(dir.path() / "thermal/thermal_zone0/temp", contents);
    auto sensor = open("auto");
    ASSERT_TRUE(sensor.ok()) << sensor.error().message;
    EXPECT_EQ(*sensor, nullptr) << "'" << contents << "'";
  }
}

TEST_F(SensorTest, NoneIsNoSensor) {
  write(dir.path() / "thermal/thermal_zone0/temp", "45277\n");
  auto sensor = open("none");
  ASSERT_TRUE(sensor.ok()) << sensor.error().message;
  EXPECT_EQ(*sensor, nullptr);
}

TEST_F(SensorTest, AChosenFileMustReadWhenOpened) {
  write(file, "255000\n");
  auto sensor = open(file);
  ASSERT_FALSE(sensor.ok());
  EXPECT_EQ(sensor.error().message, file + ": 255000 millidegrees is outside -60..150 degrees Celsius");
}

// The DS3231: hwmon when the kernel's driver is bound, else I2C.

TEST_F(SensorTest, Ds3231IsFoundAmongHwmonDirectories) {
  add_hwmon("hwmon0", "acpitz\n", "30000\n");
  add_hwmon("hwmon1", "cpu_thermal\n", "41000\n");
  add_hwmon("hwmon2", "ds3231\n", "25250\n", "1-0068");
  add_hwmon("hwmon3", "nvme\n", "35000\n");
  auto sensor = open("ds3231");
  ASSERT_TRUE(sensor.ok()) << sensor.error().message;
  ASSERT_NE(*sensor, nullptr);
  EXPECT_EQ((*sensor)->name(), (dir.path() / "hwmon/hwmon2/temp1_input").string());
  EXPECT_DOUBLE_EQ(*(*sensor)->read_celsius(), 25.25);
  EXPECT_TRUE(buses_opened.empty());
}

TEST_F(SensorTest, Ds3231OnABusTakesTheHwmonOfThatBusOnly) {
  add_hwmon("hwmon0", "ds3231\n", "25250\n", "1-0068");
  add_hwmon("hwmon1", "ds3231\n", "31000\n", "3-0068");
  auto on3 = open("ds3231:3");
  ASSERT_TRUE(on3.ok()) << on3.error().message;
  EXPECT_EQ((*on3)->name(), (dir.path() / "hwmon/hwmon1/temp1_input").string());
  EXPECT_DOUBLE_EQ(*(*on3)->read_celsius(), 31.0);
  auto on1 = open("ds3231:1");
  ASSERT_TRUE(on1.ok()) << on1.error().message;
  EXPECT_DOUBLE_EQ(*(*on1)->read_celsius(), 25.25);
  EXPECT_TRUE(buses_opened.empty());
  // No hwmon for bus 2: the chip is spoken to over /dev/i2c-2.
  chip.temperature_qc = 101;
  auto on2 = open("ds3231:2");
  ASSERT_TRUE(on2.ok()) << on2.error().message;
  EXPECT_EQ(buses_opened, std::vector<int>{2});
  EXPECT_DOUBLE_EQ(*(*on2)->read_celsius(), 25.25);
}

TEST_F(SensorTest, AHwmonDs3231ThatDoesNotReadIsAnError) {
  add_hwmon("hwmon0", "ds3231\n", "-127000\n", "1-0068");
  auto sensor = open("ds3231");
  ASSERT_FALSE(sensor.ok());
  EXPECT_EQ(sensor.error().message, (dir.path() / "hwmon/hwmon0/temp1_input").string() +
                                        ": -127000 millidegrees is outside -60..150 degrees Celsius");
  EXPECT_TRUE(buses_opened.empty());
}

TEST_F(SensorTest, Ds3231WithoutHwmonIsReadOverI2cInQuarterDegrees) {
  add_hwmon("hwmon0", "acpitz\n", "30000\n");
  chip.temperature_qc = -43;  // -10.75 °C
  auto sensor = open("ds3231");
  ASSERT_TRUE(sensor.ok()) << sensor.error().message;
  EXPECT_EQ(buses_opened, std::vector<int>{kDefaultI2cBus});
  EXPECT_EQ((*sensor)->name(), "DS3231 at 0x68 on /dev/i2c-emulated");
  EXPECT_DOUBLE_EQ(*(*sensor)->read_celsius(), -10.75);
  chip.temperature_qc = 101;  // the next conversion: +25.25 °C
  EXPECT_DOUBLE_EQ(*(*sensor)->read_celsius(), 25.25);
  chip.temperature_qc = 1;
  EXPECT_DOUBLE_EQ(*(*sensor)->read_celsius(), 0.25);
  chip.temperature_qc = -240;  // the range's lower limit
  EXPECT_DOUBLE_EQ(*(*sensor)->read_celsius(), -60.0);
}

TEST_F(SensorTest, TheDs3231OutsideTheRangeIsAnError) {
  chip.temperature_qc = -512;  // registers 80h 00h: -128 °C
  auto sensor = open("ds3231:1");
  ASSERT_FALSE(sensor.ok());
  EXPECT_EQ(sensor.error().message,
            "DS3231 at 0x68 on /dev/i2c-emulated: -512 quarter degrees is outside -60..150 degrees Celsius");
  chip.temperature_qc = -241;
  sensor = open("ds3231:1");
  ASSERT_FALSE(sensor.ok());
  EXPECT_EQ(sensor.error().message,
            "DS3231 at 0x68 on /dev/i2c-emulated: -241 quarter degrees is outside -60..150 degrees Celsius");
}

TEST_F(SensorTest, ADs3231ThatDoesNotAnswerIsAnError) {
  chip.absent = true;
  auto sensor = open("ds3231");
  ASSERT_FALSE(sensor.ok());
  EXPECT_EQ(sensor.error().message, "cannot write to the emulated bus: No such device or address");
  // Present when opened, failing later: that reading is an error, the next one reads again.
  chip.absent = false;
  chip.temperature_qc = 100;
  sensor = open("ds3231");
  ASSERT_TRUE(sensor.ok()) << sensor.error().message;
  chip.fail_transfers = 1;
  auto failed = (*sensor)->read_celsius();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "cannot write to the emulated bus: Remote I/O error");
  EXPECT_DOUBLE_EQ(*(*sensor)->read_celsius(), 25.0);
}

TEST_F(SensorTest, ABusThatDoesNotOpenIsAnError) {
  system.open_i2c = [](int bus) -> OsResult<std::unique_ptr<I2cBus>> {
    errno = ENOENT;
    return errno_error("cannot open /dev/i2c-" + std::to_string(bus));
  };
  auto sensor = open("ds3231:4");
  ASSERT_FALSE(sensor.ok());
  EXPECT_EQ(sensor.error().message, "cannot open /dev/i2c-4: No such file or directory");
}

// The --temperature text.

TEST(TemperatureChoice, AllForms) {
  struct Case {
    std::string text;
    Kind kind;
    int bus;
    std::string path;
  };
  for (const Case& c : std::vector<Case>{
           {"auto", Kind::Auto, -1, ""},
           {"none", Kind::None, -1, ""},
           {"ds3231", Kind::Ds3231, -1, ""},
           {"ds3231:0", Kind::Ds3231, 0, ""},
           {"ds3231:1", Kind::Ds3231, 1, ""},
           {"ds3231:12", Kind::Ds3231, 12, ""},
           {"/sys/class/thermal/thermal_zone0/temp", Kind::File, -1, "/sys/class/thermal/thermal_zone0/temp"},
           {"./temp", Kind::File, -1, "./temp"},
           {"sim/temp", Kind::File, -1, "sim/temp"}}) {
    auto choice = parse_temperature_choice(c.text);
    ASSERT_TRUE(choice.ok()) << c.text << ": " << choice.error().message;
    EXPECT_EQ(choice->kind, c.kind) << c.text;
    EXPECT_EQ(choice->bus, c.bus) << c.text;
    EXPECT_EQ(choice->path, c.path) << c.text;
  }
}

TEST(TemperatureChoice, BadFormsAreOneLineErrors) {
  for (std::string text :
       {"ds3231:x", "ds3231:", "", "ds3231:-1", "ds3231:+1", "ds3231:1x", "ds3231: 1", "ds3231:99999999999",
        "ds3231:/dev/i2c-1", "Auto", "ds3321", "thermal_zone0", "none\n"}) {
    auto choice = parse_temperature_choice(text);
    ASSERT_FALSE(choice.ok()) << "'" << text << "'";
    EXPECT_EQ(choice.error().code, std::errc::invalid_argument);
    EXPECT_EQ(choice.error().message, "temperature sensor '" + shown(text) +
                                          "': expected auto, none, ds3231, ds3231:N (N of /dev/i2c-N) or a "
                                          "file's path with a '/'");
  }
  EXPECT_EQ(parse_temperature_choice("ds3231:x").error().message,
            "temperature sensor 'ds3231:x': expected auto, none, ds3231, ds3231:N (N of /dev/i2c-N) or a "
            "file's path with a '/'");
}

}  // namespace
}  // namespace lansync::os
