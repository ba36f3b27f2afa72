// tools/sntpd/restart_backoff.hpp: when sntpd starts its web process again.
#include <gtest/gtest.h>

#include "restart_backoff.hpp"

namespace lansync::sntpd {
namespace {

constexpr int64_t kS = 1'000'000'000;

TEST(RestartBackoff, DoublesFromOneSecondUpToThirty) {
  RestartBackoff b;
  int64_t want[] = {1, 2, 4, 8, 16, 30, 30, 30};
  for (int64_t w : want) EXPECT_EQ(b.next_delay_ns(0), w * kS);
}

TEST(RestartBackoff, ARunThatLastedStartsAgainFromOneSecond) {
  RestartBackoff b;
  for (int i = 0; i < 10; ++i) b.next_delay_ns(kS);
  EXPECT_EQ(b.next_delay_ns(RestartBackoff::kStableNs), kS);
  EXPECT_EQ(b.next_delay_ns(RestartBackoff::kStableNs - 1), 2 * kS);  // a short run after that doubles again
}

}  // namespace
}  // namespace lansync::sntpd
