// Unit tests of pools that renew themselves (core/upstream_pool): which address gives way, and to which.
//
// Times are the test's own (a fake monotonic clock in ns): an address is
// judged after each poll, as sntpd does, and the verdicts are those a user
// reads in the log ("unreachable for 8 polls" and so on).
#include <gtest/gtest.h>

#include "core/upstream.hpp"
#include "core/upstream_pool.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kT0 = 1'795'000'000 * kS;
constexpr int64_t kHour = 3600 * kS;

UpstreamSample sample(int64_t t, int64_t offset) {
  UpstreamSample s;
  s.time_ns = t;
  s.sample = {offset, 2 * kMs};
  s.stratum = 2;
  s.root_delay_ns = 10 * kMs;
  s.root_dispersion_ns = 1 * kMs;
  return s;
}

TEST(UpstreamPool, UnreachableAfterItsEighthUnansweredPollNotBefore) {
  UpstreamSource s("pool.test", 1, 0, 0);
  PoolWatch w;
  s.on_transmit(0);
  s.on_sample(sample(kT0, 1 * kMs));
  EXPECT_EQ(judge_pool_address(s, false, 0, w), PoolVerdict::Keep);
  for (int poll = 1; poll <= kReachPolls; ++poll) {
    s.on_transmit(poll * kS);  // no reply to any of them
    PoolVerdict want = poll < kReachPolls ? PoolVerdict::Keep : PoolVerdict::Unreachable;
    EXPECT_EQ(judge_pool_address(s, false, poll * kS, w), want) << "poll " << poll;
  }
  EXPECT_EQ(describe(PoolVerdict::Unreachable), "unreachable for 8 polls");
}

TEST(UpstreamPool, SilentFromTheStartGivesWayAfterItsFirstEightPolls) {
  UpstreamSource s("pool.test", 1, 0, 0);
  PoolWatch w;
  EXPECT_EQ(judge_pool_address(s, false, 0, w), PoolVerdict::Keep);  // not polled yet
  for (int poll = 1; poll < kReachPolls; ++poll) s.on_transmit(poll * kS);
  EXPECT_EQ(judge_pool_address(s, false, 7 * kS, w), PoolVerdict::Keep);
  s.on_transmit(8 * kS);
  EXPECT_EQ(judge_pool_address(s, false, 8 * kS, w), PoolVerdict::Unreachable);
  // An answer brings it back before it is replaced.
  s.on_sample(sample(kT0, 1 * kMs));
  EXPECT_EQ(judge_pool_address(s, false, 9 * kS, w), PoolVerdict::Keep);
}

TEST(UpstreamPool, OutvotedForAnHourGivesWayAndAgreeingAgainStartsTheHourAnew) {
  UpstreamSource s("pool.test", 1, 0);
  PoolWatch w;
  s.on_transmit(0);
  s.on_sample(sample(kT0, 1 * kMs));
  int64_t start = 100 * kS;
  EXPECT_EQ(judge_pool_address(s, true, start, w), PoolVerdict::Keep);
  EXPECT_EQ(judge_pool_address(s, true, start + kHour - 1, w), PoolVerdict::Keep);
  EXPECT_EQ(judge_pool_address(s, false, start + kHour - 1, w), PoolVerdict::Keep);  // agrees again
  EXPECT_EQ(judge_pool_address(s, true, start + kHour, w), PoolVerdict::Keep);       // a new hour starts
  EXPECT_EQ(judge_pool_address(s, true, start + 2 * kHour - 1, w), PoolVerdict::Keep);
  EXPECT_EQ(judge_pool_address(s, true, start + 2 * kHour, w), PoolVerdict::Falseticker);
}

TEST(UpstreamPool, AFalsetickerBeyondMaxChangeForAnHourGivesWay) {
  UpstreamSource s("pool.test", 1, 0);
  PoolWatch w;
  SampleRules after_sync{true, 1000 * kS};
  s.on_transmit(0);
  for (int i = 0; i < kMaxChangeStrikes; ++i) s.on_sample(sample(kT0 + i * kS, 2 * 1000 * kS), after_sync);
  ASSERT_TRUE(s.falseticker());
  EXPECT_EQ(judge_pool_address(s, false, 0, w), PoolVerdict::Keep);
  EXPECT_EQ(judge_pool_address(s, false, kHour, w), PoolVerdict::Falseticker);
}

TEST(UpstreamPool, DenyOrRestrictGivesWayAtOnce) {
  UpstreamSource s("pool.test", 1, 0);
  PoolWatch w;
  s.on_transmit(0);
  s.on_deny_kiss();
  EXPECT_EQ(judge_pool_address(s, false, 0, w), PoolVerdict::Denied);
}

std::vector<UpstreamSource> agreed_sources(const std::vector<int64_t>& offsets) {
  std::vector<UpstreamSource> v;
  for (size_t i = 0; i < offsets.size(); ++i) {
    v.emplace_back("pool.test", static_cast<uint32_t>(i + 1), 0);
    v.back().on_transmit(0);
    for (int k = 0; k < 3; ++k) v.back().on_sample(sample(kT0 + k * kS, offsets[i]));
  }
  return v;
}

TEST(UpstreamPool, OutvotedOnlyWhenTheOthersMakeACorrectionWithoutIt) {
  std::vector<UpstreamSource> v = agreed_sources({1 * kMs, 2 * kMs, kHour});
  UpstreamSelection sel = select_upstreams(v, kT0 + 3 * kS);
  ASSERT_TRUE(sel.ok);
  EXPECT_FALSE(outvoted(sel, v, 0, false));
  EXPECT_FALSE(outvoted(sel, v, 1, false));
  EXPECT_TRUE(outvoted(sel, v, 2, false));
  // Two that disagree: no majority, so nobody knows which one is wrong.
  std::vector<UpstreamSource> two = agreed_sources({1 * kMs, kHour});
  UpstreamSelection none = select_upstreams(two, kT0 + 3 * kS);
  ASSERT_FALSE(none.ok);
  EXPECT_FALSE(outvoted(none, two, 0, false));
  EXPECT_FALSE(outvoted(none, two, 1, false));
  // Before the first sync, one that has not agreed yet only waits.
  v[2] = UpstreamSource("pool.test", 3, 0);
  v[2].on_transmit(0);
  v[2].on_sample(sample(kT0, kHour));
  sel = select_upstreams(v, kT0 + 3 * kS);
  ASSERT_TRUE(sel.ok);
  EXPECT_FALSE(outvoted(sel, v, 2, true));
  // A source the selection has not seen yet (added since) is not outvoted.
  EXPECT_FALSE(outvoted(sel, v, 3, false));
}

using V = PoolVerdict;

TEST(UpstreamPool, FirstResolutionPollsUpToMaxSources) {
  PoolPlan plan = plan_pool({}, {"a", "b", "c", "d"}, {}, 2);
  EXPECT_EQ(plan.add, (std::vector<size_t>{0, 1}));
  EXPECT_TRUE(plan.drop.empty());
  plan = plan_pool({}, {"a", "b"}, {}, 4);
  EXPECT_EQ(plan.add, (std::vector<size_t>{0, 1}));
}

TEST(UpstreamPool, EachAddressThatGivesWayTakesAFreshOneNeverPolledBefore) {
  // Polled: a (silent), b (fine), c (denied); d was polled before and left.
  std::vector<V> verdicts{V::Unreachable, V::Keep, V::Denied};
  std::vector<std::string> known{"d", "a", "b", "c"};
  PoolPlan plan = plan_pool(verdicts, {"a", "b", "c", "d", "e", "f", "g"}, known, 3);
  EXPECT_EQ(plan.drop, (std::vector<size_t>{0, 2}));
  EXPECT_EQ(plan.add, (std::vector<size_t>{4, 5}));  // e replaces a, f replaces c
}

TEST(UpstreamPool, WithoutAFreshAddressTheBadOneStays) {
  std::vector<V> verdicts{V::Unreachable, V::Falseticker};
  PoolPlan plan = plan_pool(verdicts, {"a", "b", "c"}, {"a", "b"}, 2);
  EXPECT_EQ(plan.add, (std::vector<size_t>{2}));
  EXPECT_EQ(plan.drop, (std::vector<size_t>{0}));  // b stays until the name gives another
  plan = plan_pool(verdicts, {"a", "b"}, {"a", "b"}, 2);
  EXPECT_TRUE(plan.add.empty());
  EXPECT_TRUE(plan.drop.empty());
}

TEST(UpstreamPool, FreePlacesFillUpToMaxSourcesAndAnAddressGivenTwiceIsTakenOnce) {
  PoolPlan plan = plan_pool({V::Keep}, {"a", "b", "b", "c"}, {"a"}, 3);
  EXPECT_EQ(plan.add, (std::vector<size_t>{1, 3}));
  EXPECT_TRUE(plan.drop.empty());
  // A lower --max-sources than polled now: nothing added, nothing dropped for it.
  plan = plan_pool({V::Keep, V::Keep}, {"c"}, {}, 1);
  EXPECT_TRUE(plan.add.empty());
  EXPECT_TRUE(plan.drop.empty());
}

TEST(UpstreamPool, TheMemoryOfPolledAddressesIsBounded) {
  std::vector<std::string> polled;
  for (size_t i = 0; i < kPolledMemory + 5; ++i) remember_polled(polled, std::to_string(i));
  remember_polled(polled, "10");  // known already: not added again
  ASSERT_EQ(polled.size(), kPolledMemory);
  EXPECT_EQ(polled.front(), "5");  // the oldest forgotten first
  EXPECT_EQ(polled.back(), std::to_string(kPolledMemory + 4));
}

}  // namespace
}  // namespace lansync::core
