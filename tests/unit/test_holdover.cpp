// core/holdover: the frequency's record, and the drift it earns once it spans a day.
#include <gtest/gtest.h>

#include <cmath>

#include "core/holdover.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kHour = 3600 * kS;

TEST(FrequencyRecord, NothingIsEarnedBeforeADay) {
  FrequencyRecord r;
  EXPECT_FALSE(r.earned_bound_ppm(0));
  for (int64_t t = 0; t < 20 * kHour; t += 1024 * kS) r.add(t, -12.3);
  EXPECT_FALSE(r.earned_bound_ppm(20 * kHour));
  // Nor by an outage after it: the record's own span counts, not the time since it began.
  EXPECT_FALSE(r.earned_bound_ppm(40 * kHour));
}

TEST(FrequencyRecord, ADaysRangeEarnsTwiceItPlusAFloor) {
  FrequencyRecord r;
  for (int64_t t = 0; t <= 26 * kHour; t += 1024 * kS) {
    r.add(t, -12 + 0.1 * std::sin(static_cast<double>(t) / static_cast<double>(4 * kHour)));
  }
  auto b = r.earned_bound_ppm(26 * kHour);
  ASSERT_TRUE(b);
  EXPECT_NEAR(*b, kHoldoverSafety * 0.2 + kHoldoverFloorPpm, 0.01);
  EXPECT_EQ(r.earned_bound_ppm(30 * kHour), b);  // an outage keeps it
}

TEST(FrequencyRecord, OnlyTheLastThreeDaysCount) {
  FrequencyRecord r;
  r.add(0, 5);  // a day the crystal was far off, long ago
  for (int64_t t = kHour; t <= 100 * kHour; t += 1024 * kS) r.add(t, -12);
  auto b = r.earned_bound_ppm(100 * kHour);
  ASSERT_TRUE(b);
  EXPECT_NEAR(*b, kHoldoverFloorPpm, 1e-9);
}

TEST(FrequencyRecord, ARangeBeyondPhiEarnsNothing) {
  FrequencyRecord r;
  for (int64_t t = 0; t <= 30 * kHour; t += 1024 * kS) r.add(t, t % (2 * kHour) == 0 ? -20 : -12);
  r.add(30 * kHour, 0);
  EXPECT_FALSE(r.earned_bound_ppm(30 * kHour));
  r.clear();
  EXPECT_FALSE(r.earned_bound_ppm(30 * kHour));
}

}  // namespace
}  // namespace lansync::core
