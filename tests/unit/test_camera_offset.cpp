// Unit tests of the offset of a whole-second clock from timed readings (core/camera_offset).
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "../support/seed.hpp"
#include "core/camera_offset.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kT0 = 1'767'225'600 * kS;  // 2026-01-01 00:00:00 UTC

// A reading of a camera whose clock is local + offset, sampled at t1 + at.
SecondReading reading(int64_t t1, int64_t rtt, int64_t at, int64_t offset) {
  int64_t cam = t1 + at + offset;
  int64_t s = cam >= 0 ? cam / kS : (cam - kS + 1) / kS;
  return {t1, t1 + rtt, s};
}

TEST(CameraOffset, OneReadingBoundsTheOffsetToASecondPlusTheRoundTrip) {
  SecondReading r{kT0 + 300 * kMs, kT0 + 310 * kMs, 1'767'225'605};
  auto b = camera_offset_bounds(&r, 1);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->lo_ns, 5 * kS - 310 * kMs);
  EXPECT_EQ(b->hi_ns, 6 * kS - 300 * kMs);
  EXPECT_EQ(b->uncertainty_ns(), 505 * kMs);
}

TEST(CameraOffset, ReadingsAcrossTheSecondChangeNarrowItToTheirSpacing) {
  // Camera 5.25 s ahead, readings every 2 ms with a 0.5 ms round trip.
  const int64_t offset = 5'250 * kMs;
  std::vector<SecondReading> rs;
  for (int64_t t = kT0 + 700 * kMs; t < kT0 + 800 * kMs; t += 2 * kMs)
    rs.push_back(reading(t, kMs / 2, kMs / 4, offset));
  auto b = camera_offset_bounds(rs.data(), rs.size());
  ASSERT_TRUE(b.ok());
  EXPECT_LE(b->lo_ns, offset);
  EXPECT_GT(b->hi_ns, offset);
  EXPECT_LE(b->uncertainty_ns(), 2 * kMs);
  EXPECT_NEAR(static_cast<double>(b->offset_ns()), static_cast<double>(offset), 2.0 * kMs);
}

TEST(CameraOffset, TheTruthIsAlwaysInsideTheBounds) {
  auto rng = lansync::testing::seeded_rng();
  std::uniform_int_distribution<int64_t> offset_d(-100 * kS, 100 * kS);
  std::uniform_int_distribution<int64_t> rtt_d(0, 80 * kMs);
  std::uniform_int_distribution<int64_t> gap_d(0, 150 * kMs);
  for (int trial = 0; trial < 2000; ++trial) {
    int64_t offset = offset_d(rng);
    std::vector<SecondReading> rs;
    int64_t t = kT0 + gap_d(rng);
    for (int i = 0; i < 12; ++i) {
      int64_t rtt = rtt_d(rng);
      std::uniform_int_distribution<int64_t> at_d(0, rtt);
      rs.push_back(reading(t, rtt, at_d(rng), offset));
      t += rtt + gap_d(rng);
    }
    auto b = camera_offset_bounds(rs.data(), rs.size());
    ASSERT_TRUE(b.ok());
    ASSERT_LE(b->lo_ns, offset);
    ASSERT_GT(b->hi_ns, offset);
  }
}

TEST(CameraOffset, AStoppedClockIsInconsistent) {
  std::vector<SecondReading> rs = {{kT0, kT0 + kMs, 100}, {kT0 + 1'100 * kMs, kT0 + 1'101 * kMs, 100}};
  auto b = camera_offset_bounds(rs.data(), rs.size());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error(), OffsetError::Inconsistent);
}

TEST(CameraOffset, RefusesNonsense) {
  EXPECT_EQ(camera_offset_bounds(nullptr, 0).error(), OffsetError::NoReadings);
  SecondReading backwards{kT0 + kMs, kT0, 5};
  EXPECT_EQ(camera_offset_bounds(&backwards, 1).error(), OffsetError::BadReading);
  SecondReading far{kT0, kT0 + kMs, 253'402'300'799};  // year 9999
  EXPECT_EQ(camera_offset_bounds(&far, 1).error(), OffsetError::BadReading);
  SecondReading old{kT0, kT0 + kMs, 946'684'800};  // 2000: 26 years off is fine
  EXPECT_TRUE(camera_offset_bounds(&old, 1).ok());
}

TEST(CameraOffset, NextEdgeWindow) {
  OffsetBounds b{5'240 * kMs, 5'260 * kMs};  // camera 5.24..5.26 s ahead
  // The camera's second 1'767'225'606 begins at local 0.74..0.76 s past kT0.
  EdgeWindow e = next_second_edge(b, kT0 + 100 * kMs);
  EXPECT_EQ(e.camera_s, 1'767'225'606);
  EXPECT_EQ(e.start_ns, kT0 + 740 * kMs);
  EXPECT_EQ(e.end_ns, kT0 + 760 * kMs);
  e = next_second_edge(b, kT0 + 741 * kMs);
  EXPECT_EQ(e.camera_s, 1'767'225'607);
  EXPECT_EQ(e.start_ns, kT0 + 1'740 * kMs);
  // Negative offsets too.
  e = next_second_edge(OffsetBounds{-2'300 * kMs, -2'200 * kMs}, kT0);
  EXPECT_EQ(e.camera_s, 1'767'225'598);
  EXPECT_EQ(e.start_ns, kT0 + 200 * kMs);
}

TEST(CameraOffset, NextWholeSecond) {
  EXPECT_EQ(next_whole_second_ns(kT0 + 300 * kMs, 10 * kMs), kT0 + kS);
  EXPECT_EQ(next_whole_second_ns(kT0 + 995 * kMs, 10 * kMs), kT0 + 2 * kS);
  EXPECT_EQ(next_whole_second_ns(kT0 - 10 * kMs, 10 * kMs), kT0);
}

}  // namespace
}  // namespace lansync::core
