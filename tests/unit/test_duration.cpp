// Unit tests of durations as written on command lines and shown in reports (core/duration).
#include <gtest/gtest.h>

#include "core/duration.hpp"

namespace lansync::core {
namespace {

TEST(Duration, Parses) {
  EXPECT_DOUBLE_EQ(*parse_duration_s("90"), 90);
  EXPECT_DOUBLE_EQ(*parse_duration_s("0.2"), 0.2);
  EXPECT_DOUBLE_EQ(*parse_duration_s("90s"), 90);
  EXPECT_DOUBLE_EQ(*parse_duration_s("2.5m"), 150);
  EXPECT_DOUBLE_EQ(*parse_duration_s("12h"), 43200);
  EXPECT_DOUBLE_EQ(*parse_duration_s("1h30m"), 5400);
  EXPECT_DOUBLE_EQ(*parse_duration_s("1d"), 86400);
  EXPECT_DOUBLE_EQ(*parse_duration_s("15min"), 900);  // systemd's spelling
  EXPECT_DOUBLE_EQ(*parse_duration_s("1h30min"), 5400);
}

TEST(Duration, RefusesWithAReason) {
  EXPECT_EQ(parse_duration_s("").error(), DurationError::Empty);
  EXPECT_EQ(parse_duration_s("x").error(), DurationError::BadNumber);
  EXPECT_EQ(parse_duration_s("5y").error(), DurationError::BadUnit);
  EXPECT_EQ(parse_duration_s("1h30").error(), DurationError::BadUnit);
  EXPECT_EQ(parse_duration_s("15mi").error(), DurationError::BadNumber);
  EXPECT_EQ(parse_duration_s("1e3").error(), DurationError::BadUnit);
  EXPECT_EQ(parse_duration_s("-5").error(), DurationError::Negative);
  EXPECT_EQ(parse_duration_s("20000d").error(), DurationError::TooLong);
  EXPECT_STREQ(describe(DurationError::BadUnit), "unknown unit (use s, m or min, h or d)");
}

TEST(Duration, Formats) {
  EXPECT_EQ(format_duration(0.2), "0.2 s");
  EXPECT_EQ(format_duration(40), "40 s");
  EXPECT_EQ(format_duration(59.7), "1 min 00 s");
  EXPECT_EQ(format_duration(2800), "46 min 40 s");
  EXPECT_EQ(format_duration(10000), "2 h 46 min");
  EXPECT_EQ(format_duration(3 * 86400 + 4 * 3600), "3 d 4 h");
}

}  // namespace
}  // namespace lansync::core
