// Unit tests of os/log's rate limit for lines a peer can cause in a loop.
#include <gtest/gtest.h>

#include "os/clock.hpp"
#include "os/log.hpp"

namespace lansync::os {
namespace {

constexpr int64_t kS = 1'000'000'000;

TEST(LogOnceAMinute, TheFirstLineThenOneAMinute) {
  int64_t last = 0;
  EXPECT_TRUE(log::once_a_minute(last));
  EXPECT_NE(last, 0);
  EXPECT_FALSE(log::once_a_minute(last));
  last = monotonic_ns() - 59 * kS;
  int64_t kept = last;
  EXPECT_FALSE(log::once_a_minute(last));
  EXPECT_EQ(last, kept);  // not logged: the minute still counts from the last line
  last = monotonic_ns() - 60 * kS;
  EXPECT_TRUE(log::once_a_minute(last));
  EXPECT_GT(last, kept);
}

}  // namespace
}  // namespace lansync::os
