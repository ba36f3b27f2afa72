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

// A crystal whose frequency follows a day's sine (ppm), with a slow trend.
double day_ppm(int64_t t_ns, double trend_ppm_per_day = 0) {
  double days = static_cast<double>(t_ns) / 1e9 / 86400;
  return 5 * std::sin(2 * M_PI * days) + trend_ppm_per_day * days;
}

// Updates every 1024 s from 0 to until_ns.
DailyShape shape_until(int64_t until_ns, double trend = 0) {
  DailyShape d;
  for (int64_t t = 0; t <= until_ns; t += 1024 * kS) d.add(t, day_ppm(t, trend));
  return d;
}

TEST(DailyShape, NothingBeforeADayWasSeen) {
  DailyShape d = shape_until(20 * kHour);
  EXPECT_FALSE(d.change_ppm(20 * kHour, 23 * kHour));
  EXPECT_FALSE(DailyShape{}.change_ppm(0, 3 * kHour));
}

TEST(DailyShape, NothingMovesBetweenPolls) {
  DailyShape d = shape_until(50 * kHour);
  auto c = d.change_ppm(50 * kHour, 50 * kHour + 1500 * kS);
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, 0);
}

TEST(DailyShape, AnOutageFollowsYesterdaysCycle) {
  int64_t last = 175 * 1024 * kS;  // the last update before 50 h
  DailyShape d = shape_until(last);
  for (int64_t h : {1, 3, 6, 12, 20, 30, 40}) {
    int64_t now = last + h * kHour;
    auto c = d.change_ppm(last, now);
    ASSERT_TRUE(c) << h;
    // Within what the 15-minute means blur of a 5 ppm sine (and the last update's own bin).
    EXPECT_NEAR(*c, day_ppm(now) - day_ppm(last), 0.15) << h;
  }
}

TEST(DailyShape, ADaysTrendIsNotExtrapolated) {
  // The crystal ages by 1 ppm a day: the shape takes the cycle, not the trend (chrony holds no
  // trend either); the change a day on is the cycle's, 0.
  int64_t last = 175 * 1024 * kS;  // the last update before 50 h
  DailyShape d = shape_until(last, 1.0);
  auto c = d.change_ppm(last, last + 24 * kHour - 1024 * kS);
  ASSERT_TRUE(c);
  EXPECT_NEAR(*c, day_ppm(last + 24 * kHour - 1024 * kS) - day_ppm(last), 0.15);
}

TEST(DailyShape, ARestartKeepsTheDay) {
  // Two days recorded, then a restart 2 h later (a power cut): the new run's monotonic clock starts
  // at 0; its points come back on it, shifted by where the old run's times now fall.
  int64_t last = 175 * 1024 * kS;  // the old run's last update, 50 h into its monotonic clock
  DailyShape before = shape_until(last);
  int64_t restart = last + 2 * kHour;  // the new run's 0, on the old run's clock
  std::vector<DailyShape::Point> kept = before.points();
  ASSERT_EQ(kept.size(), before.points().size());
  for (DailyShape::Point& p : kept) p.t_ns -= restart;
  DailyShape after;
  int64_t first = 600 * kS;                      // the first update of the new run
  size_t restored = after.restore(kept, first);  // those within two days and an hour of now
  EXPECT_EQ(restored, after.points().size());
  EXPECT_LT(restored, kept.size());
  after.add(first, day_ppm(restart + first));
  // An outage 6 h later follows the day before, as if nothing had stopped.
  int64_t now = first + 6 * kHour;
  auto c = after.change_ppm(first, now);
  ASSERT_TRUE(c);
  EXPECT_NEAR(*c, day_ppm(restart + now) - day_ppm(restart + first), 0.15);
  // Only what was before this run's record and within two days and an hour of now is taken.
  DailyShape again;
  again.add(first, 1.0);
  EXPECT_EQ(
      again.restore({{first + kS, 2.0, 1}, {first - 60 * kHour, 3.0, 1}, {first - kHour, 4.0, 0}}, first),
      0u);
  ASSERT_EQ(again.points().size(), 1u);
  EXPECT_EQ(again.points()[0].ppm, 1.0);
}

TEST(DailyShape, AHoleInTheRecordIsNotBridged) {
  DailyShape d;
  for (int64_t t = 0; t <= 60 * kHour; t += 1024 * kS) {
    if (t < 20 * kHour || t > 30 * kHour) d.add(t, day_ppm(t));  // an earlier outage
  }
  // 13 h into an outage from the last update: the day before (at 49 h) is whole, the one before it (at 25 h)
  // in the hole.  Bridged, the hole's straight line would be some 1 ppm off the sine there, half
  // of it in the mean; not bridged, the day before alone speaks.
  int64_t last = 210 * 1024 * kS;  // the last update: 59.7 h
  auto c = d.change_ppm(last, last + 13 * kHour);
  ASSERT_TRUE(c);
  EXPECT_NEAR(*c, day_ppm(last + 13 * kHour) - day_ppm(last), 0.15);
  // A record whose updates came 4 h apart is all holes: nothing to follow.
  DailyShape holey;
  for (int64_t t = 0; t <= 30 * kHour; t += 4 * kHour) holey.add(t, day_ppm(t));
  EXPECT_FALSE(holey.change_ppm(30 * kHour, 33 * kHour));
}

}  // namespace
}  // namespace lansync::core
