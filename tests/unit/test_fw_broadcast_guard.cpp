// Tests of the replay guard of listen-only mode (firmware/board/broadcast_guard): a broadcast is used
// only when its sender's time advanced by no more than the local counter did.
#include <gtest/gtest.h>

#include "firmware/board/broadcast_guard.hpp"

namespace lansync::fw {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kT0 = int64_t{1'800'000'000} * kS;  // a sender's time, Unix ns
constexpr uint32_t kSender = 0xC0A80401;

TEST(FwBroadcastGuard, ASendersFirstBroadcastOnlyAnchors) {
  BroadcastGuard g;
  EXPECT_FALSE(g.admit(kSender, kT0, 5 * kS));
  EXPECT_EQ(g.replayed(), 1u);
  EXPECT_TRUE(g.admit(kSender, kT0 + 64 * kS, 69 * kS));
  EXPECT_TRUE(g.admit(kSender, kT0 + 128 * kS + 30 * kMs, 133 * kS));  // a little path jitter
  EXPECT_EQ(g.replayed(), 1u);
}

TEST(FwBroadcastGuard, ARecordedBroadcastSentAgainIsRefused) {
  BroadcastGuard g;
  g.admit(kSender, kT0, 0);
  ASSERT_TRUE(g.admit(kSender, kT0 + 64 * kS, 64 * kS));
  // The same one later, and an older one: not newer than the last used.
  EXPECT_FALSE(g.admit(kSender, kT0 + 64 * kS, 100 * kS));
  EXPECT_FALSE(g.admit(kSender, kT0, 120 * kS));
  EXPECT_EQ(g.replayed(), 3u);
  EXPECT_TRUE(g.admit(kSender, kT0 + 128 * kS, 128 * kS));
}

TEST(FwBroadcastGuard, OneTooFarAheadIsRefusedAndTheNextJudgedFromIt) {
  BroadcastGuard g;
  g.admit(kSender, kT0, 0);
  // An hour ahead after a minute: the sender stepped, or the last one was a replay.
  EXPECT_FALSE(g.admit(kSender, kT0 + 3600 * kS, 60 * kS));
  EXPECT_TRUE(g.admit(kSender, kT0 + 3664 * kS, 124 * kS));
  EXPECT_EQ(g.replayed(), 2u);
}

TEST(FwBroadcastGuard, TheSenderHeardFromLongestAgoGivesWay) {
  BroadcastGuard g;
  for (uint32_t i = 0; i < kMaxBroadcastSenders; ++i) g.admit(kSender + i, kT0, static_cast<int64_t>(i) * kS);
  g.admit(kSender + 100, kT0, 10 * kS);  // replaces kSender, the oldest
  EXPECT_TRUE(g.admit(kSender + 1, kT0 + 20 * kS, 21 * kS));
  EXPECT_TRUE(g.admit(kSender + 100, kT0 + 20 * kS, 30 * kS));
  EXPECT_FALSE(g.admit(kSender, kT0 + 20 * kS, 20 * kS));  // forgotten: anchors again
}

}  // namespace
}  // namespace lansync::fw
