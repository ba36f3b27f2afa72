// Unit tests of the local zone as standard offset + dst (os/clock_zone), and of
// the whole path a camera's date string takes: instant -> zone -> CCAPI
// string -> instant, in zones with northern, southern, half-hour, 30-minute
// and negative summer time.
#include <gtest/gtest.h>

#include <ctime>
#include <string>

#include "codec/ccapi_date.hpp"
#include "os/clock_zone.hpp"

namespace lansync::os {
namespace {

constexpr int64_t kJul15_2026_12Z = 1'784'116'800;  // 2026-07-15 12:00:00 UTC
constexpr int64_t kJan15_2026_01Z = 1'768'438'800;  // 2026-01-15 01:00:00 UTC

// The CCAPI string for instant t in zone tz, as camsync sends it.
std::string ccapi_string(int64_t t, const std::string& tz, bool* dst) {
  auto z = zone_at(t, tz);
  EXPECT_TRUE(z.ok()) << tz;
  *dst = z->dst;
  auto d = codec::ccapi_date_from_unix(t, static_cast<int16_t>(z->std_offset_s / 60), z->dst);
  char buf[40];
  auto n = codec::format_ccapi_date(*d, buf, sizeof(buf));
  return std::string(buf, *n);
}

int64_t back_to_unix(const std::string& s, bool dst) {
  auto d = codec::parse_ccapi_date(s.data(), s.size());
  EXPECT_TRUE(d.ok()) << s;
  return *codec::ccapi_date_to_unix(*d, dst);
}

TEST(TimeZone, BerlinInJulyIsStandardPlusOneWithDst) {
  auto z = zone_at(kJul15_2026_12Z, "Europe/Berlin");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->utc_offset_s, 7200);
  EXPECT_EQ(z->std_offset_s, 3600);
  EXPECT_TRUE(z->dst);
  EXPECT_EQ(z->abbreviation, "CEST");
  bool dst = false;
  std::string s = ccapi_string(kJul15_2026_12Z, "Europe/Berlin", &dst);
  EXPECT_EQ(s, "Wed, 15 Jul 2026 14:00:00 +0100");
  EXPECT_TRUE(dst);
  EXPECT_EQ(back_to_unix(s, dst), kJul15_2026_12Z);
}

TEST(TimeZone, BerlinInJanuaryHasNoDst) {
  bool dst = true;
  std::string s = ccapi_string(kJan15_2026_01Z, "Europe/Berlin", &dst);
  EXPECT_EQ(s, "Thu, 15 Jan 2026 02:00:00 +0100");
  EXPECT_FALSE(dst);
  EXPECT_EQ(back_to_unix(s, dst), kJan15_2026_01Z);
}

TEST(TimeZone, SydneyInJanuaryIsSouthernSummerTime) {
  auto z = zone_at(kJan15_2026_01Z, "Australia/Sydney");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->std_offset_s, 36000);
  EXPECT_TRUE(z->dst);
  bool dst = false;
  std::string s = ccapi_string(kJan15_2026_01Z, "Australia/Sydney", &dst);
  EXPECT_EQ(s, "Thu, 15 Jan 2026 12:00:00 +1000");
  EXPECT_TRUE(dst);
  EXPECT_EQ(back_to_unix(s, dst), kJan15_2026_01Z);
  // In July, Sydney is on standard time.
  s = ccapi_string(kJul15_2026_12Z, "Australia/Sydney", &dst);
  EXPECT_EQ(s, "Wed, 15 Jul 2026 22:00:00 +1000");
  EXPECT_FALSE(dst);
}

TEST(TimeZone, HalfHourZones) {
  bool dst = true;
  std::string s = ccapi_string(kJul15_2026_12Z, "Asia/Kolkata", &dst);
  EXPECT_EQ(s, "Wed, 15 Jul 2026 17:30:00 +0530");
  EXPECT_FALSE(dst);
  EXPECT_EQ(back_to_unix(s, dst), kJul15_2026_12Z);
  // Adelaide: standard +09:30, summer time +10:30 in January.
  s = ccapi_string(kJan15_2026_01Z, "Australia/Adelaide", &dst);
  EXPECT_EQ(s, "Thu, 15 Jan 2026 11:30:00 +0930");
  EXPECT_TRUE(dst);
  EXPECT_EQ(back_to_unix(s, dst), kJan15_2026_01Z);
}

TEST(TimeZone, SummerTimeThatIsNotOneHourIsSentAsTheWholeOffset) {
  // Lord Howe Island: +10:30, summer time +11:00 (30 minutes).
  auto z = zone_at(kJan15_2026_01Z, "Australia/Lord_Howe");
  ASSERT_TRUE(z.ok());
  EXPECT_TRUE(z->odd_summer_time);
  EXPECT_FALSE(z->dst);
  EXPECT_EQ(z->std_offset_s, 39600);
  bool dst = true;
  std::string s = ccapi_string(kJan15_2026_01Z, "Australia/Lord_Howe", &dst);
  EXPECT_EQ(s, "Thu, 15 Jan 2026 12:00:00 +1100");
  EXPECT_EQ(back_to_unix(s, dst), kJan15_2026_01Z);
  // Dublin: tzdata's winter time is a negative summer time; the wall clock stays right.
  s = ccapi_string(kJan15_2026_01Z, "Europe/Dublin", &dst);
  EXPECT_EQ(s, "Thu, 15 Jan 2026 01:00:00 +0000");
  EXPECT_FALSE(dst);
  s = ccapi_string(kJul15_2026_12Z, "Europe/Dublin", &dst);
  EXPECT_EQ(s, "Wed, 15 Jul 2026 13:00:00 +0100");
  EXPECT_EQ(back_to_unix(s, dst), kJul15_2026_12Z);
}

TEST(TimeZone, WallClockAndUtcAgreeWithTheCLibraryAllYear) {
  // Every four hours of 2026 (both transitions of each zone), the string's wall
  // clock is what localtime_r shows and the instant comes back exactly.
  for (const char* tz : {"Europe/Berlin", "Australia/Sydney", "America/St_Johns", "Asia/Kolkata",
                         "Australia/Lord_Howe", "Europe/Dublin", "America/Sao_Paulo", "UTC"}) {
    for (int64_t t = 1'767'225'600; t < 1'767'225'600 + 365 * 86400; t += 4 * 3600 + 1) {
      bool dst = false;
      std::string s = ccapi_string(t, tz, &dst);
      ASSERT_EQ(back_to_unix(s, dst), t) << tz << " " << s;
      auto z = zone_at(t, tz);
      time_t tt = static_cast<time_t>(t + z->utc_offset_s);
      struct tm wall {};
      ::gmtime_r(&tt, &wall);
      char want[32];
      std::strftime(want, sizeof(want), "%d %H:%M:%S", &wall);
      ASSERT_EQ(s.substr(5, 2) + s.substr(16, 9), want) << tz << " " << s;
    }
  }
}

TEST(TimeZone, RulesHoldPast2038) {
  // 2040-07-15 12:00 UTC: past a 32-bit time_t, where the C library's zone
  // code is asked with a 64-bit one (os/clock_zone.cpp).
  constexpr int64_t kJul15_2040_12Z = 2'225'966'400;
  bool dst = false;
  std::string s = ccapi_string(kJul15_2040_12Z, "Europe/Berlin", &dst);
  EXPECT_EQ(s, "Sun, 15 Jul 2040 14:00:00 +0100");
  EXPECT_TRUE(dst);
  EXPECT_EQ(back_to_unix(s, dst), kJul15_2040_12Z);
}

TEST(TimeZone, PosixRulesWork) {
  auto z = zone_at(kJul15_2026_12Z, "CET-1CEST,M3.5.0,M10.5.0/3");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->std_offset_s, 3600);
  EXPECT_TRUE(z->dst);
}

TEST(TimeZone, UnknownZoneIsAnErrorNotUtc) {
  auto z = zone_at(kJul15_2026_12Z, "Europe/Atlantis");
  ASSERT_FALSE(z.ok());
  EXPECT_NE(z.error().message.find("unknown time zone 'Europe/Atlantis'"), std::string::npos);
  EXPECT_FALSE(zone_at(kJul15_2026_12Z, "../etc/passwd").ok());
}

// Names a phone may send: the tz database's form, bounded, no way out of its directory.
TEST(TimeZoneName, PlausibleNames) {
  for (const char* good : {"Europe/Berlin", "America/Argentina/ComodRivadavia", "Etc/GMT+5", "UTC",
                           "America/Port-au-Prince", "Etc/GMT-14"}) {
    EXPECT_TRUE(plausible_zone_name(good)) << good;
  }
  std::string too_long(kMaxZoneNameLength + 1, 'A');
  for (std::string bad :
       {std::string(), too_long, std::string("/etc/passwd"), std::string("../../etc/passwd"),
        std::string("Europe/../Berlin"), std::string("Europe//Berlin"), std::string("Europe/"),
        std::string("Europe/./Berlin"), std::string("Europe/Berlin\n"), std::string("Europe Berlin"),
        std::string("CET-1CEST,M3.5.0,M10.5.0/3")}) {
    EXPECT_FALSE(plausible_zone_name(bad)) << bad;
  }
  EXPECT_TRUE(plausible_zone_name(std::string(kMaxZoneNameLength, 'A')));
}

TEST(TimeZoneName, KnownZonesAreTheTzDatabasesFiles) {
  for (const char* known : {"Europe/Berlin", "Australia/Sydney", "America/Santiago", "Etc/GMT+5", "UTC"}) {
    auto st = check_known_zone(known);
    EXPECT_TRUE(st.ok()) << known << ": " << (st.ok() ? "" : st.error().message);
  }
  auto st = check_known_zone("Mars/Olympus");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "unknown time zone 'Mars/Olympus' (not in the tz database)");
  // A directory of the database, and one of its files that is not a zone.
  EXPECT_FALSE(check_known_zone("America").ok());
  EXPECT_FALSE(check_known_zone("zone.tab").ok());
  st = check_known_zone("../../etc/passwd");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "unknown time zone '../../etc/passwd' (not a tz database name)");
  // A long name or a control character does not make a long or multi-line message.
  st = check_known_zone(std::string(5000, 'A'));
  ASSERT_FALSE(st.ok());
  EXPECT_LT(st.error().message.size(), 200u);
  st = check_known_zone("Europe/Berlin\nfake line");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace lansync::os
