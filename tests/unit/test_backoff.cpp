// libsync/core/backoff.hpp: a delay that doubles up to a limit and starts over after a success.
#include <gtest/gtest.h>

#include "core/backoff.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kS = 1'000'000'000;

TEST(Backoff, DoublesFromTheFirstDelayUpToTheLimit) {
  Backoff b(kS, 30 * kS);  // sntpd's helpers
  for (int64_t want : {1, 2, 4, 8, 16, 30, 30}) EXPECT_EQ(b.next_delay_ns(), want * kS);
  Backoff broker(kS, 300 * kS);  // sntpd-mqtt's broker: 1 s doubling to 5 min
  int64_t last = 0;
  for (int i = 0; i < 12; ++i) last = broker.next_delay_ns();
  EXPECT_EQ(last, 300 * kS);
}

TEST(Backoff, ASuccessStartsOverFromTheFirstDelay) {
  Backoff b(kS, 30 * kS);
  b.next_delay_ns();
  b.next_delay_ns();
  b.reset();
  EXPECT_EQ(b.next_delay_ns(), kS);
  EXPECT_EQ(b.next_delay_ns(), 2 * kS);  // a failure after that doubles again
}

}  // namespace
}  // namespace lansync::core
