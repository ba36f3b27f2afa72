// Unit tests of the NTP timestamp formats and era unfolding (codec/timestamp).
#include <gtest/gtest.h>

#include "../support/seed.hpp"
#include "codec/timestamp.hpp"

namespace lansync::codec {
namespace {

constexpr int64_t kS = kNsPerSecond;
// 2036-02-07 06:28:16 UTC: NTP era 0 ends, the seconds field wraps to 0.
constexpr int64_t kEra1StartUnix = 2'085'978'496;
// A few fixed "now"s to unfold around.
constexpr int64_t k2026 = 1'795'000'000 * kS;  // 2026-11-18
constexpr int64_t k2030 = 1'900'000'000 * kS;
constexpr int64_t k2040 = 2'200'000'000 * kS;

TEST(Timestamp, UnixEpochIsNtpSeconds2208988800) {
  NtpTimestamp t = to_ntp(0);
  EXPECT_EQ(t.seconds, 2'208'988'800u);
  EXPECT_EQ(t.fraction, 0u);
  EXPECT_EQ(from_ntp(t, 0), 0);
}

TEST(Timestamp, LastSecondOfEra0AndFirstOfEra1) {
  NtpTimestamp last = to_ntp((kEra1StartUnix - 1) * kS);
  EXPECT_EQ(last.seconds, 0xFFFFFFFFu);
  NtpTimestamp first = to_ntp(kEra1StartUnix * kS);
  EXPECT_EQ(first.seconds, 0u);
  EXPECT_EQ(first.fraction, 0u);
}

TEST(Timestamp, UnfoldsBeforeTheWrapFromEitherSide) {
  NtpTimestamp t{0xFFFFFFF0u, 0};
  EXPECT_EQ(from_ntp(t, k2026), (kEra1StartUnix - 16) * kS);
  EXPECT_EQ(from_ntp(t, k2040), (kEra1StartUnix - 16) * kS);
}

TEST(Timestamp, UnfoldsAfterTheWrapFromEitherSide) {
  NtpTimestamp t{0x10u, 0};
  // Seen from 2026 or 2030, seconds = 16 means 2036 + 16 s, not 1900.
  EXPECT_EQ(from_ntp(t, k2026), (kEra1StartUnix + 16) * kS);
  EXPECT_EQ(from_ntp(t, k2030), (kEra1StartUnix + 16) * kS);
  EXPECT_EQ(from_ntp(t, k2040), (kEra1StartUnix + 16) * kS);
}

TEST(Timestamp, FarFutureDatesRoundTripAroundTheirPivot) {
  for (int64_t unix_s : {int64_t{2'500'000'000}, int64_t{4'000'000'000}, int64_t{6'000'000'000}}) {
    int64_t ns = unix_s * kS + 123'456'789;
    EXPECT_EQ(from_ntp(to_ntp(ns), ns + 1000 * kS), ns) << unix_s;
  }
}

TEST(Timestamp, EraPivotNeverBefore2026) {
  // A Pi without an RTC boots in 1970; timestamps from 2037 must still decode.
  int64_t t2037 = 2'120'000'000 * kS;
  EXPECT_EQ(from_ntp(to_ntp(t2037), era_pivot(0)), t2037);
  EXPECT_EQ(era_pivot(k2040), k2040);
  EXPECT_EQ(era_pivot(0), kEarliestPlausibleUnixSeconds * kS);
}

TEST(Timestamp, FractionIsHalfSecondAt0x80000000) {
  EXPECT_EQ(to_ntp(k2026 + 500'000'000).fraction, 0x80000000u);
  EXPECT_EQ(from_ntp({to_ntp(k2026).seconds, 0x80000000u}, k2026), k2026 + 500'000'000);
}

TEST(Timestamp, FractionRoundsToNearest) {
  EXPECT_EQ(to_ntp(k2026 + 1).fraction, 4u);                        // 1 ns = 4.29 units
  EXPECT_EQ(to_ntp(k2026 + 999'999'999).fraction, 4'294'967'292u);  // never carries
  // 0xFFFFFFFF is 999999999.77 ns: the nearest nanosecond is the next second.
  EXPECT_EQ(from_ntp({to_ntp(k2026).seconds, 0xFFFFFFFFu}, k2026), k2026 + 1'000'000'000);
}

TEST(Timestamp, BeforeTheUnixEpoch) {
  NtpTimestamp t = to_ntp(-1);
  EXPECT_EQ(t.seconds, 2'208'988'799u);
  EXPECT_EQ(from_ntp(t, 0), -1);
}

TEST(Timestamp, RandomRoundTripIsExactToTheNanosecond) {
  auto rng = testing::seeded_rng();
  std::uniform_int_distribution<int64_t> dist(0, 5'000'000'000 * kS);
  for (int i = 0; i < 100'000; ++i) {
    int64_t ns = dist(rng);
    ASSERT_EQ(from_ntp(to_ntp(ns), ns + (i % 2 ? 1 : -1) * 1'000'000 * kS), ns) << ns;
  }
}

TEST(Timestamp, ShortFormat) {
  EXPECT_EQ(to_ntp_short(kS).raw, 0x00010000u);
  EXPECT_EQ(to_ntp_short(kS / 2).raw, 0x00008000u);
  EXPECT_EQ(from_ntp_short({0x00010000u}), kS);
  EXPECT_EQ(from_ntp_short({1}), 15'259);  // 2^-16 s
  EXPECT_EQ(to_ntp_short(-5).raw, 0u);
  EXPECT_EQ(to_ntp_short(70'000 * kS).raw, 0xFFFFFFFFu);
  EXPECT_EQ(from_ntp_short({0xFFFFFFFFu}), 65'535'999'984'742);
  // Bounds are rounded up both ways: a served error is never understated, nor one read.
  EXPECT_EQ(to_ntp_short(1).raw, 1u);
  EXPECT_EQ(to_ntp_short(15'258).raw, 1u);  // one unit is 15258.789 ns
  EXPECT_EQ(to_ntp_short(15'259).raw, 2u);
  for (int64_t ns : {int64_t{1}, int64_t{181'335'450}, int64_t{999'999'999}, int64_t{1'500'000'000}}) {
    EXPECT_GE(from_ntp_short(to_ntp_short(ns)), ns) << ns;
    EXPECT_LT(from_ntp_short(to_ntp_short(ns)) - ns, 15'260) << ns;  // by less than one unit, 2^-16 s
  }
}

}  // namespace
}  // namespace lansync::codec
