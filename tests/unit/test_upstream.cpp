// Unit tests of upstream following: schedule, filter, selection, discipline (core/upstream).
#include <gtest/gtest.h>

#include "core/upstream.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kT0 = 1'795'000'000 * kS;

UpstreamSample sample(int64_t t, int64_t offset, int64_t delay = 2 * kMs, uint8_t stratum = 2) {
  UpstreamSample s;
  s.time_ns = t;
  s.sample = {offset, delay};
  s.stratum = stratum;
  s.root_delay_ns = 10 * kMs;
  s.root_dispersion_ns = 1 * kMs;
  s.precision_log2 = -20;
  return s;
}

TEST(Upstream, BurstOfFourTwoSecondsApartThenPoll) {
  UpstreamSource s("a", 1, 0);
  EXPECT_EQ(s.next_poll_ns(), 0);
  int64_t t = 0;
  for (int i = 0; i < kBurstSamples - 1; ++i) {
    s.on_transmit(t);
    EXPECT_EQ(s.next_poll_ns(), t + kBurstSpacingNs);
    t = s.next_poll_ns();
  }
  s.on_transmit(t);
  EXPECT_EQ(s.next_poll_ns(), t + 64 * kS);
}

TEST(Upstream, ReachRegisterCountsAnsweredPolls) {
  UpstreamSource s("a", 1, 0);
  s.on_transmit(0);
  s.on_sample(sample(kT0, 0));
  s.on_transmit(1);
  s.on_transmit(2);
  EXPECT_EQ(s.reach(), 0b100);
  for (int i = 0; i < 8; ++i) s.on_transmit(3 + i);
  EXPECT_EQ(s.reach(), 0);
  EXPECT_FALSE(s.best().has_value());  // unreachable: its samples no longer count
}

TEST(Upstream, FilterKeepsTheLeastDelay) {
  UpstreamSource s("a", 1, 0);
  s.on_transmit(0);
  s.on_sample(sample(kT0, 5 * kMs, 30 * kMs));
  s.on_sample(sample(kT0 + kS, 1 * kMs, 2 * kMs));
  s.on_sample(sample(kT0 + 2 * kS, 7 * kMs, 40 * kMs));
  EXPECT_EQ(s.best()->sample.offset_ns, 1 * kMs);
}

TEST(Upstream, PollGrowsWhileOffsetsStayInTheNoise) {
  UpstreamSource s("a", 1, 0);
  for (int i = 0; i < 200; ++i) {
    s.on_transmit(i);
    s.on_sample(sample(kT0 + i * kS, (i % 2) ? 100'000 : -100'000));  // ±0.1 ms of jitter
  }
  EXPECT_EQ(s.poll_log2(), kMaxPollLog2);
  // Offsets far outside the noise bring it back down.
  for (int i = 0; i < 200; ++i) s.on_sample(sample(kT0 + i * kS, 500 * kMs));
  EXPECT_EQ(s.poll_log2(), kMinPollLog2);
}

TEST(Upstream, RateKissSlowsDown) {
  UpstreamSource s("a", 1, 0);
  s.on_rate_kiss(100);
  EXPECT_EQ(s.poll_log2(), kMinPollLog2 + 1);
  EXPECT_EQ(s.next_poll_ns(), 100 + 128 * kS);
}

TEST(Upstream, StepShiftsStoredSamples) {
  UpstreamSource s("a", 1, 0);
  s.on_transmit(0);
  s.on_sample(sample(kT0, 2500 * kMs));
  s.apply_step(2500 * kMs);
  EXPECT_EQ(s.best()->sample.offset_ns, 0);
  EXPECT_EQ(s.best()->time_ns, kT0 + 2500 * kMs);
}

TEST(Upstream, SelectionPicksTheClosestTruechimerAsSystemPeer) {
  std::vector<UpstreamSource> v;
  v.emplace_back("a", 0x0A000001, 0);
  v.emplace_back("b", 0x0A000002, 0);
  v.emplace_back("c", 0x0A000003, 0);
  for (auto& s : v) s.on_transmit(0);
  v[0].on_sample(sample(kT0, 1 * kMs, 8 * kMs));
  v[1].on_sample(sample(kT0, 2 * kMs, 1 * kMs, 3));
  v[2].on_sample(sample(kT0, 3600 * kS));  // an hour off
  UpstreamSelection sel = select_upstreams(v, kT0 + kS);
  ASSERT_TRUE(sel.ok);
  EXPECT_TRUE(sel.truechimer[0]);
  EXPECT_TRUE(sel.truechimer[1]);
  EXPECT_FALSE(sel.truechimer[2]);
  EXPECT_EQ(sel.system_peer, 1u);  // least delay, so least root distance
  EXPECT_EQ(sel.reference.stratum, 3);
  EXPECT_EQ(sel.reference.refid, 0x0A000002u);
  EXPECT_EQ(sel.reference.root_delay_ns, 10 * kMs + 1 * kMs);
  EXPECT_GE(sel.offset_ns, 1 * kMs);
  EXPECT_LE(sel.offset_ns, 2 * kMs);
}

TEST(Upstream, NoSamplesNoSelection) {
  std::vector<UpstreamSource> v;
  v.emplace_back("a", 1, 0);
  EXPECT_FALSE(select_upstreams(v, kT0).ok);
}

TEST(Upstream, DisciplineStepsOnlyFirstAndOnlyBeyondTheThreshold) {
  Discipline first_big = plan_discipline(2500 * kMs, true, 1000 * kMs, 6);
  EXPECT_EQ(first_big.kind, Discipline::Step);
  EXPECT_EQ(first_big.offset_ns, 2500 * kMs);
  EXPECT_EQ(plan_discipline(500 * kMs, true, 1000 * kMs, 6).kind, Discipline::Pll);
  Discipline later_big = plan_discipline(2500 * kMs, false, 1000 * kMs, 8);
  EXPECT_EQ(later_big.kind, Discipline::Pll);
  EXPECT_EQ(later_big.time_constant, 4);
  EXPECT_EQ(plan_discipline(0, false, kS, 3).time_constant, 0);
}

}  // namespace
}  // namespace lansync::core
