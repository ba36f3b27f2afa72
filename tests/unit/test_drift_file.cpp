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

TEST(DriftFile, TheTemperatureCurveIsKeptOnTheSecondLine) {
  testing::TempDir dir;
  std::string path = (dir.path() / "drift").string();
  core::ThermalCurve c;
  c.lag_s = 1800;
  c.t0_c = 41.5;
  c.a_ppm_per_c = 0.25;
  c.b_ppm_per_c2 = -0.0083;
  c.var_a = 1e-5;
  c.var_b = 2e-8;
  c.cov_ab = -1e-7;
  c.min_c = 33.25;
  c.max_c = 52;
  c.points = 812;
  c.residual_us = 0.031;
  ASSERT_TRUE(save_frequency(-12.5, path, c));
  std::string text = read(path);
  EXPECT_EQ(text.substr(0, text.find('\n')), "-12.500");
  // The first line alone still reads as a drift file, as an older sntpd reads it.
  testing::FakeClock clock;
  auto ppm = restore_frequency(clock, path);
  ASSERT_TRUE(ppm && *ppm);
  EXPECT_DOUBLE_EQ(**ppm, -12.5);
  auto got = read_drift_curve(path);
  ASSERT_TRUE(got);
  ASSERT_TRUE(*got);
  EXPECT_EQ((*got)->lag_s, 1800);
  EXPECT_EQ((*got)->t0_c, 41.5);
  EXPECT_EQ((*got)->a_ppm_per_c, 0.25);
  EXPECT_EQ((*got)->b_ppm_per_c2, -0.0083);
  EXPECT_EQ((*got)->cov_ab, -1e-7);
  EXPECT_EQ((*got)->min_c, 33.25);
  EXPECT_EQ((*got)->points, 812);
  EXPECT_EQ((*got)->residual_us, 0.031);
  // Without a curve, no second line; and none read back.
  ASSERT_TRUE(save_frequency(-12.5, path));
  EXPECT_EQ(read(path), "-12.500\n");
  got = read_drift_curve(path);
  ASSERT_TRUE(got);
  EXPECT_FALSE(*got);
}

TEST(DriftFile, ABadCurveLineIsAOneLineError) {
  testing::TempDir dir;
  std::string path = (dir.path() / "drift").string();
  const std::pair<const char*, const char*> cases[] = {
      {"-1.000\nhello\n", ":2: not a thermal curve: 'hello'"},
      {"-1.000\nthermal lag_s=x\n", ":2: thermal: lag_s is not a number: 'x'"},
      {"-1.000\nthermal lag_s=60\n", ":2: thermal: incomplete"},
      {"-1.000\nthermal colour=1\n", ":2: thermal: unknown word 'colour'"},
      {"-1.000\nthermal lag_s=0 t0_c=0 a_ppm_per_c=0 b_ppm_per_c2=0 var_a=0 var_b=0 cov_ab=0 min_c=0 max_c=0 "
       "residual_us=0 points=1\n",
       ":2: thermal: out of range"},
      {"-1.000\nthermal lag_s=60 t0_c=nan a_ppm_per_c=0 b_ppm_per_c2=0 var_a=0 var_b=0 cov_ab=0 min_c=0 "
       "max_c=0 residual_us=0 points=1\n",
       ":2: thermal: t0_c is not a number: 'nan'"},
      {"-1.000\nthermal points=-4\n", ":2: thermal: points out of range"},
  };
  for (const auto& [text, error] : cases) {
    write(path, text);
    auto got = read_drift_curve(path);
    ASSERT_FALSE(got) << text;
    EXPECT_EQ(got.error().message, path + error) << text;
  }
}

TEST(DriftFile, APulsesReferenceIsKeptOnTheSecondLine) {
  testing::TempDir dir;
  std::string path = (dir.path() / "drift").string();
  ASSERT_TRUE(save_frequency(-12.5, path, std::nullopt, -13.25));
  EXPECT_EQ(read(path), "-12.500\npulse crystal_ppm=-13.250000\n");
  auto got = read_drift_pulse(path);
  ASSERT_TRUE(got);
  ASSERT_TRUE(*got);
  EXPECT_DOUBLE_EQ(**got, -13.25);
  // Not a sensor's curve, nor an error for a reader of curves (the run before had a pulse).
  auto curve = read_drift_curve(path);
  ASSERT_TRUE(curve);
  EXPECT_FALSE(*curve);
  // The first line is read as ever.
  EXPECT_EQ(read_drift_file(path).value(), -12.5);
  // A curve's line is not a pulse's; no file, no reference.
  write(path, "-1.000\nthermal lag_s=1\n");
  EXPECT_FALSE(read_drift_pulse(path).value());
  EXPECT_FALSE(read_drift_pulse((dir.path() / "none").string()).value());
  for (const char* bad : {"x", "", "1e999", "600", "1.5 ppm"}) {
    write(path, std::string("-1.000\npulse crystal_ppm=") + bad + "\n");
    auto r = read_drift_pulse(path);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().message, path + ":2: pulse: crystal_ppm is not a frequency in ppm: '" + bad + "'");
  }
}

TEST(DriftFile, TheDaysShapeIsKeptBesideIt) {
  testing::TempDir dir;
  std::string path = (dir.path() / "drift.shape").string();
  auto none = read_shape_file(path);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  std::vector<core::DailyShape::Point> points{{1'795'457'521'250'000'000, -12.3456, 3},
                                              {1'795'458'421'000'000'000, -11.5, 1}};
  ASSERT_TRUE(save_shape_file(path, points));
  auto got = read_shape_file(path);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].t_ns, points[0].t_ns);
  EXPECT_DOUBLE_EQ((*got)[0].ppm, -12.3456);
  EXPECT_EQ((*got)[0].count, 3);
  EXPECT_DOUBLE_EQ((*got)[1].ppm, -11.5);
}

TEST(DriftFile, ABadShapeLineIsAOneLineError) {
  testing::TempDir dir;
  std::string path = (dir.path() / "drift.shape").string();
  for (const char* line : {"x", "1795457521 -12", "1795457521 -12 1 9", "1795457521 -600 1", "1795457521 1 0",
                           "1795457521 1 1.5", "-5 1 1", "1e300 1 1", "1795457521 nan 1"}) {
    write(path, std::string("# header\n1795457520 1 1\n") + line + "\n");
    auto got = read_shape_file(path);
    ASSERT_FALSE(got) << line;
    EXPECT_EQ(got.error().message.find('\n'), std::string::npos);
    EXPECT_NE(got.error().message.find(path + ":3:"), std::string::npos) << got.error().message;
  }
  // More bins than two days and an hour hold is not a shape file.
  std::string many = "# header\n";
  for (int i = 0; i < 401; ++i) many += std::to_string(1795457520 + 900 * i) + " 1 1\n";
  write(path, many);
  EXPECT_FALSE(read_shape_file(path));
}

}  // namespace
}  // namespace lansync::os
