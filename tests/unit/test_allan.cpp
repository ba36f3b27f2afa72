// Unit tests of the Allan deviation (core/allan): a hand-computed series, then the
// textbook noise types with a printed seed, and gaps.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "../support/seed.hpp"
#include "core/allan.hpp"

namespace lansync::core {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(Allan, HandComputed) {
  // Second differences -2, 2, -2: AVAR = 12 / (2 * 1^2 * 3) = 2.
  std::vector<double> x{0, 1, 0, 1, 0};
  auto a = overlapping_adev(x, 1.0);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_DOUBLE_EQ(a[0].tau_s, 1);
  EXPECT_NEAR(a[0].adev, std::sqrt(2.0), 1e-12);
  EXPECT_EQ(a[0].terms, 3u);
}

TEST(Allan, ConstantFrequencyIsZero) {
  std::vector<double> x;
  for (int i = 0; i < 200; ++i) x.push_back(3e-5 * i);
  for (const AllanPoint& p : overlapping_adev(x, 1.0)) EXPECT_NEAR(p.adev, 0, 1e-12);
}

TEST(Allan, OctavesUpToAQuarterOfTheSpan) {
  std::vector<double> x(101, 0.0);  // m <= (101 - 1) / 4 = 25: 1, 2, 4, 8, 16
  auto a = overlapping_adev(x, 0.5);
  ASSERT_EQ(a.size(), 5u);
  EXPECT_DOUBLE_EQ(a[0].tau_s, 0.5);
  EXPECT_DOUBLE_EQ(a[4].tau_s, 8);
  EXPECT_EQ(a[4].terms, 101u - 32u);
  EXPECT_TRUE(overlapping_adev(std::vector<double>(4, 0.0), 1).empty());
}

TEST(Allan, WhitePhaseNoiseFallsAsOneOverTau) {
  // White phase noise of sigma: AVAR(tau) = 3 sigma^2 / tau^2.
  auto rng = testing::seeded_rng();
  std::normal_distribution<double> noise(0, 1e-3);
  std::vector<double> x(20000);
  for (double& v : x) v = noise(rng);
  auto a = overlapping_adev(x, 2.0);
  ASSERT_GE(a.size(), 4u);
  for (size_t k = 0; k < 4; ++k) {
    double expected = std::sqrt(3.0) * 1e-3 / a[k].tau_s;
    EXPECT_NEAR(a[k].adev / expected, 1, 0.05) << "tau " << a[k].tau_s;
  }
}

TEST(Allan, WhiteFrequencyNoiseFallsAsOneOverRootTau) {
  // Phase integrating white frequency noise of sigma_y per tau0: ADEV(m tau0) = sigma_y / sqrt(m).
  auto rng = testing::seeded_rng();
  std::normal_distribution<double> freq(0, 2e-6);
  std::vector<double> x(20000);
  for (size_t i = 1; i < x.size(); ++i) x[i] = x[i - 1] + freq(rng) * 60.0;
  auto a = overlapping_adev(x, 60.0);
  ASSERT_GE(a.size(), 4u);
  for (size_t k = 0; k < 4; ++k) {
    double m = a[k].tau_s / 60.0;
    EXPECT_NEAR(a[k].adev / (2e-6 / std::sqrt(m)), 1, 0.1) << "tau " << a[k].tau_s;
  }
}

TEST(Allan, GapsAreSkipped) {
  std::vector<double> x{0, 1, 0, kNaN, 0, 1, 0, 1, 0};
  auto a = overlapping_adev(x, 1.0);
  ASSERT_EQ(a.size(), 2u);  // m = 1, 2
  // m = 1: i = 0, 4, 5, 6 are complete; each second difference is +-2.
  EXPECT_EQ(a[0].terms, 4u);
  EXPECT_NEAR(a[0].adev, std::sqrt(2.0), 1e-12);
}

TEST(PlaceOnGrid, NearestSampleAndGaps) {
  // Samples a little late, one slot missed, two samples near one slot (the nearer wins).
  std::vector<double> t{0.0, 1.05, 2.9, 3.2, 5.0};
  std::vector<double> x{10, 11, 12, 13, 15};
  auto g = place_on_grid(t, x, 1.0);
  ASSERT_EQ(g.size(), 6u);
  EXPECT_EQ(g[0], 10);
  EXPECT_EQ(g[1], 11);
  EXPECT_TRUE(std::isnan(g[2]));
  EXPECT_EQ(g[3], 12);  // 2.9 is nearer to 3 than 3.2
  EXPECT_TRUE(std::isnan(g[4]));
  EXPECT_EQ(g[5], 15);
}

}  // namespace
}  // namespace lansync::core
