// tools/sntpd/heartbeat.hpp: when sntpd counts its web process as hung, on a fake monotonic clock.
#include <gtest/gtest.h>

#include "heartbeat.hpp"

namespace lansync::sntpd {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kPeriod = Heartbeat::kPeriodNs;

TEST(Heartbeat, AProcessThatAnswersIsNeverHung) {
  Heartbeat h;
  int64_t now = 1000 * kS;  // the fake clock
  for (int i = 0; i < 100; ++i, now += kPeriod) {
    EXPECT_FALSE(h.hung(now)) << i;
    h.pong(h.ping(now));
  }
  EXPECT_EQ(h.silent_ns(now), 0);
}

TEST(Heartbeat, ThreeUnansweredPingsOverFifteenSecondsIsHung) {
  Heartbeat h;
  int64_t now = 1000 * kS;
  h.pong(h.ping(now));
  now += kPeriod;
  int64_t first = now;
  for (int i = 0; i < Heartbeat::kMisses; ++i, now += kPeriod) {
    EXPECT_FALSE(h.hung(now)) << i;
    h.ping(now);
  }
  EXPECT_EQ(now - first, 15 * kS);
  EXPECT_TRUE(h.hung(now));
  EXPECT_FALSE(h.hung(now - 1));
  EXPECT_EQ(h.silent_ns(now), 15 * kS);
}

TEST(Heartbeat, ALateAnswerToAnyPingSentClearsIt) {
  Heartbeat h;
  int64_t now = 0;
  uint64_t first = h.ping(now);
  h.ping(now += kPeriod);
  h.ping(now += kPeriod);
  h.pong(first);  // the answer to the first, late: the process is alive after all
  EXPECT_FALSE(h.hung(now += kPeriod));
  h.pong(0);  // answers no Ping: ignored
  h.pong(99);
  uint64_t next = h.ping(now);
  EXPECT_EQ(next, 4u);
  h.ping(now += kPeriod);
  h.ping(now += kPeriod);
  EXPECT_TRUE(h.hung(now += kPeriod));
}

TEST(Heartbeat, APauseOfSntpdItselfIsNotAMiss) {
  Heartbeat h;
  int64_t now = 0;
  h.ping(now);
  // sntpd's loop was held up for a minute: one Ping outstanding is not enough.
  EXPECT_FALSE(h.hung(now += 60 * kS));
  // The next tick's Ping is answered: the process was never stuck.
  h.pong(h.ping(now));
  EXPECT_FALSE(h.hung(now += kPeriod));
}

TEST(Heartbeat, ARestartForgetsWhatWasOutstanding) {
  Heartbeat h;
  int64_t now = 0;
  for (int i = 0; i < Heartbeat::kMisses; ++i, now += kPeriod) h.ping(now);
  EXPECT_TRUE(h.hung(now));
  h.restart();
  EXPECT_FALSE(h.hung(now + Heartbeat::kLimitNs));
  EXPECT_EQ(h.ping(now), 1u);
}

}  // namespace
}  // namespace lansync::sntpd
