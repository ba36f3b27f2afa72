// os drift file: the frequency the discipline learnt, saved and restored through the clock interface.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "../support/fake_clock.hpp"
#include "../support/temp_dir.hpp"
#include "os/file_drift.hpp"

namespace lansync::os {
namespace {

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
std::string read(const std::string& path) {
  std::ostringstream s;
  s << std::ifstream(path).rdbuf();
  return s.str();
}

TEST(DriftFile, SavedFrequencyIsRestoredIntoTheClock) {
  testing::TempDir dir;
  std::string path = (dir.path() / "drift").string();
  testing::FakeClock learnt;
  learnt.status.frequency_ppm = -37.25;  // what the kernel PLL had learnt
  ASSERT_TRUE(save_frequency(learnt, path));
  EXPECT_EQ(read(path), "-37.250\n");

  testing::FakeClock restarted;
  auto got = restore_frequency(restarted, path);
  ASSERT_TRUE(got);
  ASSERT_TRUE(*got);
  EXPECT_DOUBLE_EQ(**got, -37.25);
  ASSERT_EQ(restarted.frequencies.size(), 1u);
  EXPECT_DOUBLE_EQ(restarted.frequencies[0], -37.25);
}

TEST(DriftFile, NoFileYetRestoresNothing) {
  testing::TempDir dir;
  testing::FakeClock clock;
  auto got = restore_frequency(clock, (dir.path() / "drift").string());
  ASSERT_TRUE(got);
  EXPECT_FALSE(*got);
  EXPECT_TRUE(clock.frequencies.empty());
}

TEST(DriftFile, GarbageIsAOneLineErrorNamingFileAndLineAndIsKept) {
  testing::TempDir dir;
  std::string path = (dir.path() / "drift").string();
  write(path, "twelve ppm\n");
  testing::FakeClock clock;
  auto got = restore_frequency(clock, path);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, path + ":1: not a frequency in ppm: 'twelve ppm'; kept as " + path + ".bad");
  EXPECT_TRUE(clock.frequencies.empty());
  EXPECT_EQ(read(path + ".bad"), "twelve ppm\n");  // nothing lost
}

TEST(DriftFile, BeyondTheKernelsRangeIsRefused) {
  testing::TempDir dir;
  std::string path = (dir.path() / "drift").string();
  for (const char* text : {"600\n", "-500.5\n", "nan\n", "inf\n", "12 13\n", "\n"}) {
    write(path, text);
    auto got = read_drift_file(path);
    EXPECT_FALSE(got) << text;
    if (!got) {
      EXPECT_EQ(got.error().message.find('\n'), std::string::npos);
    }
  }
  write(path, "499.999\n");
  auto ok = read_drift_file(path);
  ASSERT_TRUE(ok);
  EXPECT_DOUBLE_EQ(**ok, 499.999);
}

TEST(DriftFile, AClockThatRefusesTheFrequencyIsAnError) {
  testing::TempDir dir;
  std::string path = (dir.path() / "drift").string();
  write(path, "3.5\n");
  testing::FakeClock clock;
  clock.fail_changes = true;
  EXPECT_FALSE(restore_frequency(clock, path));
  EXPECT_EQ(read(path), "3.5\n");
}

}  // namespace
}  // namespace lansync::os
