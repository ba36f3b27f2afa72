// Unit tests of the CCAPI date string and its dst rule (codec/ccapi_date).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

#include "../support/seed.hpp"
#include "codec/ccapi_date.hpp"

namespace lansync::codec {
namespace {

Result<CcapiDate, CcapiDateError> parse(const std::string& s) { return parse_ccapi_date(s.data(), s.size()); }

std::string format(const CcapiDate& d) {
  char buf[64];
  auto n = format_ccapi_date(d, buf, sizeof(buf));
  return n ? std::string(buf, *n) : "error";
}

TEST(CcapiDate, ParsesTheReferenceExample) {
  auto d = parse("Tue, 01 Jan 2019 01:23:45 +0900");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->year, 2019);
  EXPECT_EQ(d->month, 1);
  EXPECT_EQ(d->day, 1);
  EXPECT_EQ(d->hour, 1);
  EXPECT_EQ(d->minute, 23);
  EXPECT_EQ(d->second, 45);
  EXPECT_EQ(d->zone_min, 9 * 60);
  // 2019-01-01 01:23:45 +09:00 = 2018-12-31 16:23:45 UTC (date -d ... +%s).
  EXPECT_EQ(*ccapi_date_to_unix(*d, false), 1'546'273'425);
}

TEST(CcapiDate, FormatsEnglishNamesAndSignedZones) {
  CcapiDate d{2026, 7, 15, 14, 0, 5, 60};
  EXPECT_EQ(format(d), "Wed, 15 Jul 2026 14:00:05 +0100");
  d.zone_min = -(3 * 60 + 30);  // St. John's standard time
  EXPECT_EQ(format(d), "Wed, 15 Jul 2026 14:00:05 -0330");
  d.zone_min = 5 * 60 + 45;  // Nepal
  EXPECT_EQ(format(d), "Wed, 15 Jul 2026 14:00:05 +0545");
}

TEST(CcapiDate, DstMeansOneHourOnTopOfTheStandardZone) {
  // Berlin, 15 July 2026 14:00 CEST = 12:00 UTC; the camera says +0100 and dst.
  auto d = parse("Wed, 15 Jul 2026 14:00:00 +0100");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*ccapi_date_to_unix(*d, true), 1'784'116'800);   // 2026-07-15 12:00:00 UTC
  EXPECT_EQ(*ccapi_date_to_unix(*d, false), 1'784'120'400);  // read without dst: an hour late
  // Sydney, 15 January 2026 12:00 AEDT = 01:00 UTC; standard offset +1000, dst.
  auto s = ccapi_date_from_unix(1'768'438'800, 600, true);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(format(*s), "Thu, 15 Jan 2026 12:00:00 +1000");
}

TEST(CcapiDate, RoundTripsEveryKindOfZoneExactly) {
  auto rng = lansync::testing::seeded_rng();
  // 1970..2100, and zones from -12:00 to +14:00 in quarter hours.
  std::uniform_int_distribution<int64_t> when(0, 4'102'444'800);
  std::uniform_int_distribution<int> quarter(-48, 56);
  for (int i = 0; i < 20000; ++i) {
    int64_t t = when(rng);
    auto zone = static_cast<int16_t>(quarter(rng) * 15);
    bool dst = (i & 1) != 0;
    auto d = ccapi_date_from_unix(t, zone, dst);
    ASSERT_TRUE(d.ok()) << t;
    std::string text = format(*d);
    auto back = parse(text);
    ASSERT_TRUE(back.ok()) << text;
    EXPECT_EQ(*ccapi_date_to_unix(*back, dst), t) << text;
  }
}

TEST(CcapiDate, CalendarAgreesWithKnownDates) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(weekday_from_days(days_from_civil(2024, 2, 29)), 4);   // Thursday
  EXPECT_EQ(weekday_from_days(days_from_civil(1969, 12, 28)), 0);  // Sunday
  for (int64_t days = -800000; days < 800000; days += 37) {
    CivilTime c = civil_from_days(days);
    ASSERT_EQ(days_from_civil(c.year, c.month, c.day), days);
  }
}

TEST(CcapiDate, AcceptsAOneDigitDay) {
  auto d = parse("Sun, 5 Jan 2025 00:00:00 +0000");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->day, 5);
}

TEST(CcapiDate, RefusesWhatIsNotACcapiDate) {
  struct Case {
    const char* text;
    CcapiDateError error;
  };
  const Case cases[] = {
      {"", CcapiDateError::Syntax},
      {"Tue", CcapiDateError::Syntax},
      {"Tue 01 Jan 2019 01:23:45 +0900", CcapiDateError::Syntax},
      {"tue, 01 Jan 2019 01:23:45 +0900", CcapiDateError::BadName},
      {"Di., 01 Jan 2019 01:23:45 +0900", CcapiDateError::BadName},
      {"Tue, 01 Jnr 2019 01:23:45 +0900", CcapiDateError::BadName},
      {"Tue, 01 Jan 19 01:23:45 +0900", CcapiDateError::Syntax},
      {"Tue, 01 Jan 2019 1:23:45 +0900", CcapiDateError::Syntax},
      {"Tue, 01 Jan 2019 01:23:45", CcapiDateError::Syntax},
      {"Tue, 01 Jan 2019 01:23:45 GMT", CcapiDateError::BadZone},
      {"Tue, 01 Jan 2019 01:23:45 +09", CcapiDateError::BadZone},
      {"Tue, 01 Jan 2019 01:23:45 +0960", CcapiDateError::BadZone},
      {"Tue, 01 Jan 2019 01:23:45 +1500", CcapiDateError::BadZone},
      {"Tue, 01 Jan 2019 01:23:45 +0900 ", CcapiDateError::Syntax},
      {"Tue, 01 Jan 2019 24:00:00 +0900", CcapiDateError::OutOfRange},
      {"Tue, 01 Jan 2019 01:60:00 +0900", CcapiDateError::OutOfRange},
      {"Tue, 01 Jan 2019 01:23:60 +0900", CcapiDateError::OutOfRange},
      {"Fri, 29 Feb 2019 01:23:45 +0900", CcapiDateError::OutOfRange},
      {"Tue, 00 Jan 2019 01:23:45 +0900", CcapiDateError::OutOfRange},
      {"Wed, 01 Jan 2019 01:23:45 +0900", CcapiDateError::WeekdayMismatch},
  };
  for (const Case& c : cases) {
    auto d = parse(c.text);
    ASSERT_FALSE(d.ok()) << c.text;
    EXPECT_EQ(d.error(), c.error) << c.text;
  }
  // An embedded NUL is just a wrong byte, never the end of the string.
  const char with_nul[] =
      "Tue, 01 Jan 2019 01:23:45 +09\0"
      "0";
  EXPECT_FALSE(parse_ccapi_date(with_nul, sizeof(with_nul) - 1).ok());
}

TEST(CcapiDate, NeverReadsPastTheGivenLength) {
  const std::string full = "Tue, 01 Jan 2019 01:23:45 +0900";
  for (size_t n = 0; n < full.size(); ++n) {
    // A heap copy of exactly n bytes, so that AddressSanitizer sees any overread.
    std::unique_ptr<char[]> buf(new char[n == 0 ? 1 : n]);
    std::memcpy(buf.get(), full.data(), n);
    EXPECT_FALSE(parse_ccapi_date(buf.get(), n).ok()) << n;
  }
}

TEST(CcapiDate, FormatRefusesBadFieldsAndSmallBuffers) {
  char buf[31];
  EXPECT_EQ(format_ccapi_date(CcapiDate{2019, 1, 1, 0, 0, 0, 0}, buf, sizeof(buf)).value(), 31u);
  EXPECT_EQ(format_ccapi_date(CcapiDate{2019, 1, 1, 0, 0, 0, 0}, buf, 30).error(),
            CcapiDateError::BufferTooSmall);
  EXPECT_EQ(format_ccapi_date(CcapiDate{2019, 2, 29, 0, 0, 0, 0}, buf, sizeof(buf)).error(),
            CcapiDateError::OutOfRange);
  EXPECT_EQ(format_ccapi_date(CcapiDate{2019, 1, 1, 0, 0, 0, 15 * 60}, buf, sizeof(buf)).error(),
            CcapiDateError::BadZone);
  EXPECT_EQ(ccapi_date_from_unix(INT64_MAX, 0, false).error(), CcapiDateError::OutOfRange);
  EXPECT_EQ(ccapi_date_from_unix(INT64_MIN, 0, true).error(), CcapiDateError::OutOfRange);
}

// HTTP's Date is the same form in UTC with "GMT" (RFC 9110 §5.6.7).
TEST(CcapiDate, HttpDate) {
  char out[kHttpDateLength + 1];
  auto n = format_http_date(784111777, out, sizeof(out));  // RFC 9110's example
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(out, *n), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(*n, kHttpDateLength);
  EXPECT_EQ(format_http_date(784111777, out, kHttpDateLength - 1).error(), CcapiDateError::BufferTooSmall);
  EXPECT_EQ(format_http_date(253'402'300'800, out, sizeof(out)).error(),
            CcapiDateError::OutOfRange);  // 10000
  EXPECT_EQ(format_http_date(INT64_MIN, out, sizeof(out)).error(), CcapiDateError::OutOfRange);
}

}  // namespace
}  // namespace lansync::codec
