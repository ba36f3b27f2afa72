// Tests of the system clock's reads (os/clock): every read checks the kernel's answer.
#include <gtest/gtest.h>

#include <ctime>

#include "codec/timestamp.hpp"
#include "os/clock.hpp"

namespace lansync::os {
namespace {

TEST(Clock, RealtimeIsReadInNanosecondsSince1970) {
  auto ns = read_clock_ns(CLOCK_REALTIME);
  ASSERT_TRUE(ns.ok()) << ns.error().message;
  EXPECT_GE(*ns, codec::kEarliestPlausibleUnixSeconds * codec::kNsPerSecond);
  SystemClock clock;
  EXPECT_GE(clock.now_ns(), *ns);
}

TEST(Clock, MonotonicReadsNeverGoBack) {
  auto a = read_clock_ns(CLOCK_MONOTONIC);
  auto b = read_clock_ns(CLOCK_MONOTONIC);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GE(*b, *a);
  EXPECT_GE(monotonic_ns(), *b);
}

TEST(Clock, ARefusedReadIsAnErrorNotZero) {
  // No such clock: the kernel answers EINVAL, as it answers EOVERFLOW to a
  // 32-bit time_t past 2038; either way the read fails instead of giving 0.
  auto ns = read_clock_ns(static_cast<clockid_t>(12345));
  ASSERT_FALSE(ns.ok());
  EXPECT_EQ(ns.error().code, std::errc::invalid_argument);
  EXPECT_NE(ns.error().message.find("clock_gettime"), std::string::npos) << ns.error().message;
}

TEST(ClockDeathTest, AnUnreadableClockEndsTheToolWithAMessage) {
  EXPECT_EXIT(read_clock_or_exit(static_cast<clockid_t>(12345)), ::testing::ExitedWithCode(1),
              "cannot read the clock \\(clock_gettime\\).*stopping rather than using a wrong time");
}

}  // namespace
}  // namespace lansync::os
