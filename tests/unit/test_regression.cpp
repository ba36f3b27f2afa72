// Unit tests of the least-squares lines (core/regression): known answers, then noise with a printed seed.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "../support/seed.hpp"
#include "core/regression.hpp"

namespace lansync::core {
namespace {

TEST(FitLine, ExactLine) {
  std::vector<double> x, y;
  for (int i = 0; i < 10; ++i) {
    x.push_back(i);
    y.push_back(3 + 2 * i);
  }
  auto f = fit_line(x, y);
  ASSERT_TRUE(f);
  EXPECT_DOUBLE_EQ(f->slope, 2);
  EXPECT_NEAR(f->intercept, 3, 1e-12);
  EXPECT_NEAR(f->slope_se, 0, 1e-12);
  EXPECT_NEAR(f->residual_rms, 0, 1e-12);
  EXPECT_EQ(f->n, 10u);
}

TEST(FitLine, TextbookExample) {
  // x = 1..5, y = 2 4 5 4 5: slope 0.6, intercept 2.2, residual sum of squares 2.4.
  std::vector<double> x{1, 2, 3, 4, 5}, y{2, 4, 5, 4, 5};
  auto f = fit_line(x, y);
  ASSERT_TRUE(f);
  EXPECT_NEAR(f->slope, 0.6, 1e-12);
  EXPECT_NEAR(f->intercept, 2.2, 1e-12);
  EXPECT_NEAR(f->slope_se, std::sqrt(0.8 / 10), 1e-12);               // s^2 = 2.4 / 3, Sxx = 10
  EXPECT_NEAR(f->intercept_se, std::sqrt(0.8 * (0.2 + 0.9)), 1e-12);  // s^2 (1/n + mean_x^2 / Sxx)
  EXPECT_NEAR(f->residual_rms, std::sqrt(2.4 / 5), 1e-12);
}

TEST(FitLine, LargeXLosesNothing) {
  // Unix seconds as x and a 12.5 ppm slope: centring keeps the slope exact.
  std::vector<double> x, y;
  for (int i = 0; i < 100; ++i) {
    x.push_back(1.8e9 + 60.0 * i);
    y.push_back(0.25 + 12.5e-6 * 60.0 * i);
  }
  auto f = fit_line(x, y);
  ASSERT_TRUE(f);
  EXPECT_NEAR(f->slope, 12.5e-6, 1e-12);
}

TEST(FitLine, RefusesWhatHasNoSlope) {
  std::vector<double> two{1, 2}, three{1, 2, 3}, same{5, 5, 5};
  EXPECT_EQ(fit_line(two, two).error(), FitError::TooFewPoints);
  EXPECT_EQ(fit_line(same, three).error(), FitError::NoSpreadInX);
  EXPECT_EQ(fit_line(two, three).error(), FitError::SizeMismatch);
  std::vector<double> nan{1, std::numeric_limits<double>::quiet_NaN(), 3};
  EXPECT_EQ(fit_line(three, nan).error(), FitError::NotFinite);
  EXPECT_STRNE(describe(FitError::TooFewPoints), "");
}

TEST(FitLine, StandardErrorMatchesTheSpreadOfSlopes) {
  // Over many noisy runs, the slopes scatter by about the standard error each run reports.
  auto rng = testing::seeded_rng();
  std::normal_distribution<double> noise(0, 1e-4);
  const int runs = 2000;
  double sum = 0, sum_sq = 0, se_sum = 0;
  for (int r = 0; r < runs; ++r) {
    std::vector<double> x, y;
    for (int i = 0; i < 50; ++i) {
      x.push_back(i * 10.0);
      y.push_back(-5e-5 * i * 10.0 + noise(rng));
    }
    auto f = fit_line(x, y);
    ASSERT_TRUE(f);
    sum += f->slope;
    sum_sq += f->slope * f->slope;
    se_sum += f->slope_se;
  }
  double mean = sum / runs;
  double spread = std::sqrt(sum_sq / runs - mean * mean);
  EXPECT_NEAR(mean, -5e-5, 4 * spread / std::sqrt(runs));
  EXPECT_NEAR(se_sum / runs / spread, 1, 0.1);
}

TEST(LineAccumulator, AgreesWithFitLine) {
  auto rng = testing::seeded_rng();
  std::normal_distribution<double> noise(0, 1e-3);
  std::vector<double> x, y;
  LineAccumulator acc;
  for (int i = 0; i < 300; ++i) {
    x.push_back(0.2 * i);
    y.push_back(-5 + 1e-4 * 0.2 * i + noise(rng));
    acc.add(x.back(), y.back());
  }
  auto a = acc.fit();
  auto f = fit_line(x, y);
  ASSERT_TRUE(a);
  ASSERT_TRUE(f);
  EXPECT_NEAR(a->slope, f->slope, 1e-12);
  EXPECT_NEAR(a->intercept, f->intercept, 1e-9);
  EXPECT_NEAR(a->slope_se, f->slope_se, 1e-9 * f->slope_se + 1e-15);
  EXPECT_EQ(a->n, 300u);
  LineAccumulator two;
  two.add(0, 0);
  two.add(1, 1);
  EXPECT_EQ(two.fit().error(), FitError::TooFewPoints);
}

TEST(ParallelLines, OneSlopeAcrossASetClock) {
  // Two stretches with the same slope, the second 0.7 higher: the slope and both intercepts come back.
  std::vector<double> x, y;
  std::vector<size_t> group;
  for (int i = 0; i < 20; ++i) {
    bool second = i >= 12;
    x.push_back(i);
    y.push_back(1e-3 * i + (second ? 0.7 : 0) + (i % 2 ? 1e-6 : -1e-6));
    group.push_back(second ? 1 : 0);
  }
  auto f = fit_parallel_lines(x, y, group, 2);
  ASSERT_TRUE(f);
  EXPECT_NEAR(f->slope, 1e-3, 1e-6);
  ASSERT_EQ(f->intercepts.size(), 2u);
  EXPECT_NEAR(f->intercepts[1] - f->intercepts[0], 0.7, 1e-5);
  EXPECT_NEAR(f->residual_rms, 1e-6, 1e-7);
  EXPECT_GT(f->slope_se, 0);
}

TEST(ParallelLines, WeightsLeanOnTheTrustedPoints) {
  // y = 2 + 0.5 x with one point 1.0 high: at a millionth of the weight it hardly moves the line,
  // and scaling every weight changes nothing.
  std::vector<double> x, y, w, w10;
  for (int i = 0; i < 10; ++i) {
    x.push_back(i);
    y.push_back(2 + 0.5 * i + (i == 0 ? 1.0 : (i % 2 ? 1e-3 : -1e-3)));
    w.push_back(i == 0 ? 1e-6 : 1);
    w10.push_back(10 * w.back());
  }
  std::vector<size_t> g(x.size(), 0);
  auto plain = fit_parallel_lines(x, y, g, 1);
  auto weighted = fit_parallel_lines(x, y, g, 1, w);
  auto scaled = fit_parallel_lines(x, y, g, 1, w10);
  ASSERT_TRUE(plain && weighted && scaled);
  EXPECT_GT(std::fabs(plain->slope - 0.5), 0.05);
  EXPECT_NEAR(weighted->slope, 0.5, 1e-3);
  EXPECT_NEAR(weighted->intercepts[0], 2, 1e-2);
  EXPECT_DOUBLE_EQ(scaled->slope, weighted->slope);
  EXPECT_NEAR(scaled->slope_se, weighted->slope_se, 1e-12);
  std::vector<double> zero(x.size(), 0), short_w{1, 1};
  EXPECT_EQ(fit_parallel_lines(x, y, g, 1, zero).error(), FitError::NotFinite);
  EXPECT_EQ(fit_parallel_lines(x, y, g, 1, short_w).error(), FitError::SizeMismatch);
}

TEST(ParallelLines, NeedsADegreeOfFreedom) {
  std::vector<double> x{0, 1, 2}, y{0, 1, 2};
  std::vector<size_t> g{0, 0, 1};
  EXPECT_EQ(fit_parallel_lines(x, y, g, 2).error(), FitError::TooFewPoints);
  std::vector<size_t> bad{0, 0, 5};
  EXPECT_EQ(fit_parallel_lines(x, y, bad, 1).error(), FitError::SizeMismatch);
}

}  // namespace
}  // namespace lansync::core
