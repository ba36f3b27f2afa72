// Unit tests of the integer Gregorian calendar (codec/calendar), against libc's timegm and gmtime_r.
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <limits>
#include <random>

#include "../support/seed.hpp"
#include "codec/calendar.hpp"

namespace lansync::codec {
namespace {

TEST(Calendar, KnownDays) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 1, 1), 10'957);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(days_from_civil(2100, 3, 1) - days_from_civil(2100, 2, 28), 1);  // 2100 is no leap year
  EXPECT_EQ(days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28), 2);  // 2000 is one
  EXPECT_EQ(weekday_from_days(0), 4);                                        // Thursday
  EXPECT_EQ(weekday_from_days(days_from_civil(2100, 1, 1)), 5);              // Friday
  EXPECT_EQ(weekday_from_days(-1), 3);
}

TEST(Calendar, UnixSeconds) {
  CivilTime t{2099, 12, 31, 23, 59, 59};
  EXPECT_EQ(unix_seconds_from_civil(t), 4'102'444'799);
  CivilTime u = civil_from_unix_seconds(4'102'444'800);
  EXPECT_EQ(u.year, 2100);
  EXPECT_EQ(u.month, 1);
  EXPECT_EQ(u.day, 1);
  EXPECT_EQ(u.hour, 0);
  CivilTime before = civil_from_unix_seconds(-1);
  EXPECT_EQ(before.year, 1969);
  EXPECT_EQ(before.second, 59);
}

TEST(Calendar, Validity) {
  EXPECT_TRUE(is_valid_civil({2024, 2, 29, 0, 0, 0}));
  EXPECT_FALSE(is_valid_civil({2023, 2, 29, 0, 0, 0}));
  EXPECT_FALSE(is_valid_civil({2100, 2, 29, 0, 0, 0}));
  EXPECT_FALSE(is_valid_civil({2026, 4, 31, 0, 0, 0}));
  EXPECT_FALSE(is_valid_civil({2026, 13, 1, 0, 0, 0}));
  EXPECT_FALSE(is_valid_civil({2026, 1, 1, 24, 0, 0}));
  EXPECT_FALSE(is_valid_civil({2026, 1, 0, 0, 0, 0}));
}

TEST(Calendar, PastThe32BitTimeT) {
  // 2038-01-19 03:14:08: the first second a 32-bit time_t cannot hold; the
  // calendar, in 64 bits, goes on (libc cannot check these on such systems).
  CivilTime t = civil_from_unix_seconds(int64_t{1} << 31);
  EXPECT_EQ(t.year, 2038);
  EXPECT_EQ(t.month, 1);
  EXPECT_EQ(t.day, 19);
  EXPECT_EQ(t.hour, 3);
  EXPECT_EQ(t.minute, 14);
  EXPECT_EQ(t.second, 8);
  EXPECT_EQ(unix_seconds_from_civil({2106, 2, 7, 6, 28, 16}),
            int64_t{1} << 32);  // an unsigned 32-bit count ends
  EXPECT_EQ(unix_seconds_from_civil({2036, 2, 7, 6, 28, 16}), 2'085'978'496);  // NTP era 1 begins
}

TEST(Calendar, AgreesWithLibcOnRandomTimes) {
  auto rng = testing::seeded_rng();
  // 1900..2500: beyond every RTC's range on both sides, as far as this
  // system's time_t reaches (1901-12-13..2038-01-19 where it is 32 bits).
  constexpr int64_t kLow = -2'208'988'800, kHigh = 16'725'225'600;
  constexpr int64_t kTimeMax = static_cast<int64_t>(std::numeric_limits<time_t>::max());
  constexpr int64_t kTimeMin = static_cast<int64_t>(std::numeric_limits<time_t>::min());
  std::uniform_int_distribution<int64_t> dist(std::max(kLow, kTimeMin), std::min(kHigh, kTimeMax));
  for (int i = 0; i < 20'000; ++i) {
    int64_t s = dist(rng);
    auto tt = static_cast<time_t>(s);
    struct tm g {};
    gmtime_r(&tt, &g);
    CivilTime c = civil_from_unix_seconds(s);
    ASSERT_EQ(c.year, g.tm_year + 1900) << s;
    ASSERT_EQ(c.month, g.tm_mon + 1) << s;
    ASSERT_EQ(c.day, g.tm_mday) << s;
    ASSERT_EQ(c.hour, g.tm_hour) << s;
    ASSERT_EQ(c.minute, g.tm_min) << s;
    ASSERT_EQ(c.second, g.tm_sec) << s;
    ASSERT_EQ(weekday_from_days(days_from_civil(c.year, c.month, c.day)), g.tm_wday) << s;
    ASSERT_EQ(unix_seconds_from_civil(c), s);
  }
}

}  // namespace
}  // namespace lansync::codec
