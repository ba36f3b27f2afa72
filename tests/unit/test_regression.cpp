// Unit tests of the least-squares drift fit (core/regression) on synthetic runs with known answers.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "../support/seed.hpp"
#include "core/regression.hpp"

namespace lansync::core {
namespace {

std::vector<OffsetSample> line(double intercept_s, double slope_ppm, int n, double interval_s) {
  std::vector<OffsetSample> v;
  for (int i = 0; i < n; ++i) {
    double t = i * interval_s;
    v.push_back({t, intercept_s + slope_ppm * 1e-6 * t});
  }
  return v;
}

TEST(Regression, ExactLine) {
  auto fit = fit_offset_drift(line(0.5, 12.5, 100, 60));
  ASSERT_TRUE(fit.ok());
  EXPECT_EQ(fit->samples, 100u);
  EXPECT_DOUBLE_EQ(fit->span_s, 99 * 60);
  EXPECT_NEAR(fit->offset_slope_ppm, 12.5, 1e-9);
  EXPECT_NEAR(fit->intercept_s, 0.5, 1e-12);
  EXPECT_NEAR(fit->slope_stderr_ppm, 0, 1e-9);
  EXPECT_NEAR(fit->residual_rms_s, 0, 1e-12);
}

TEST(Regression, NegativeSlopeAndLargeOffsets) {
  // A clock that booted in 1970 against an RTC in 2026: offsets near 1.8e9 s.
  auto fit = fit_offset_drift(line(1.8e9, -3.25, 1440, 60));
  ASSERT_TRUE(fit.ok());
  EXPECT_NEAR(fit->offset_slope_ppm, -3.25, 1e-3);
}

TEST(Regression, NoisyRunRecoversTheSlopeWithinItsError) {
  auto rng = testing::seeded_rng();
  std::normal_distribution<double> noise(0, 0.001);  // 1 ms jitter
  std::uniform_real_distribution<double> slope_dist(-20, 20);
  for (int run = 0; run < 50; ++run) {
    double slope = slope_dist(rng);
    auto v = line(-0.2, slope, 1440, 60);  // a day at one sample a minute
    for (auto& s : v) s.offset_s += noise(rng);
    auto fit = fit_offset_drift(v);
    ASSERT_TRUE(fit.ok());
    // The textbook standard error: sigma / sqrt(Sxx), Sxx = n (n^2 - 1) / 12 * interval^2.
    double sxx = 1440.0 * (1440.0 * 1440.0 - 1) / 12 * 60 * 60;
    double expected_se_ppm = 0.001 / std::sqrt(sxx) * 1e6;
    EXPECT_NEAR(fit->slope_stderr_ppm, expected_se_ppm, 0.2 * expected_se_ppm);
    EXPECT_NEAR(fit->offset_slope_ppm, slope, 5 * expected_se_ppm) << "true slope " << slope;
    EXPECT_NEAR(fit->residual_rms_s, 0.001, 0.0002);
  }
}

TEST(Regression, RefusesWhatCannotBeFitted) {
  EXPECT_EQ(fit_offset_drift(line(0, 1, 2, 60)).error(), FitError::TooFewSamples);
  EXPECT_EQ(fit_offset_drift({}).error(), FitError::TooFewSamples);
  std::vector<OffsetSample> same_time = {{5, 0.1}, {5, 0.2}, {5, 0.3}};
  EXPECT_EQ(fit_offset_drift(same_time).error(), FitError::NoTimeSpread);
  std::vector<OffsetSample> nan = {{0, 0.1}, {1, NAN}, {2, 0.3}};
  EXPECT_EQ(fit_offset_drift(nan).error(), FitError::NotFinite);
  std::vector<OffsetSample> inf = {{0, 0.1}, {INFINITY, 0.2}, {2, 0.3}};
  EXPECT_EQ(fit_offset_drift(inf).error(), FitError::NotFinite);
}

}  // namespace
}  // namespace lansync::core
