// Unit tests of the clock filter and the intersection algorithm (core/filter, core/select).
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "../support/seed.hpp"
#include "core/filter.hpp"
#include "core/select.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kMs = 1'000'000;

TEST(Filter, PicksTheLeastDelay) {
  proto::Sample s[] = {{5 * kMs, 30 * kMs}, {1 * kMs, 2 * kMs}, {9 * kMs, 50 * kMs}, {2 * kMs, 2 * kMs}};
  FilterResult r = filter_samples(s, 4);
  EXPECT_EQ(r.best, 1u);  // ties go to the earliest
  EXPECT_GT(r.jitter_ns, 0);
}

TEST(Filter, OneSampleHasNoJitter) {
  proto::Sample s[] = {{5 * kMs, 30 * kMs}};
  FilterResult r = filter_samples(s, 1);
  EXPECT_EQ(r.best, 0u);
  EXPECT_EQ(r.jitter_ns, 0);
}

TEST(Filter, JitterIsRmsAroundTheBest) {
  proto::Sample s[] = {{0, 1}, {3 * kMs, 5}, {-3 * kMs, 5}};
  EXPECT_EQ(filter_samples(s, 3).jitter_ns, 3 * kMs);  // sqrt((9 + 9) / 2) ms
}

TEST(Select, SingleSourceIsItsOwnMajority) {
  Candidate c[] = {{7 * kMs, 1 * kMs}};
  bool t[1];
  Selection s = select_sources(c, 1, t);
  ASSERT_TRUE(s.ok);
  EXPECT_TRUE(t[0]);
  EXPECT_EQ(s.offset_ns, 7 * kMs);
}

// A GPS pulse good to a microsecond is not combined with a LAN server's milliseconds (chronyd's
// limit: 3 x (best + 100 us)); LAN servers a few milliseconds apart are (floored at 5 ms).
TEST(Select, APulseIsNotCombinedWithALanServer) {
  EXPECT_EQ(combine_limit_ns(1'000, true), 3 * (1'000 + kCombineMarginNs));
  EXPECT_EQ(combine_limit_ns(1'000, false), 3 * kMinSelectionDistanceNs);
  EXPECT_EQ(combine_limit_ns(8'000'000, false), 24'000'000);
  EXPECT_EQ(combine_limit_ns(INT64_MAX, true), INT64_MAX);
  Candidate c[2] = {{0, 1'000, true}, {2'000'000, 1'500'000, false}};  // the pulse, a server 2 ms off
  bool t[2];
  Selection s = select_sources(c, 2, t);
  ASSERT_TRUE(s.ok);
  EXPECT_TRUE(t[0] && t[1]);     // both truechimers
  EXPECT_EQ(s.offset_ns, 0);     // the pulse's offset alone
  c[0].reference_clock = false;  // were it a server, it would be combined
  s = select_sources(c, 2, t);
  EXPECT_GT(s.offset_ns, 0);
}

TEST(Select, TwoDisagreeingSourcesHaveNoMajority) {
  Candidate c[] = {{0, 1 * kMs}, {500 * kMs, 1 * kMs}};
  bool t[2];
  EXPECT_FALSE(select_sources(c, 2, t).ok);
  EXPECT_FALSE(t[0]);
  EXPECT_FALSE(t[1]);
}

TEST(Select, ThreeSourcesOutvoteAFalseticker) {
  Candidate c[] = {{1 * kMs, 2 * kMs}, {-1 * kMs, 2 * kMs}, {3600'000 * kMs, 2 * kMs}};
  bool t[3];
  Selection s = select_sources(c, 3, t);
  ASSERT_TRUE(s.ok);
  EXPECT_TRUE(t[0]);
  EXPECT_TRUE(t[1]);
  EXPECT_FALSE(t[2]);
  EXPECT_EQ(s.truechimers, 2u);
  EXPECT_LE(s.offset_ns, 1 * kMs);
  EXPECT_GE(s.offset_ns, -1 * kMs);
}

TEST(Select, CloserSourcesWeighMore) {
  Candidate c[] = {{0, 1 * kMs}, {4 * kMs, 3 * kMs}};
  bool t[2];
  Selection s = select_sources(c, 2, t);
  ASSERT_TRUE(s.ok);
  EXPECT_EQ(s.offset_ns, 1 * kMs);  // weights 3:1
  EXPECT_EQ(s.root_distance_ns, 1 * kMs);
}

TEST(Select, ACoarseSourceAgreesWithAFineOneInsideItsInterval) {
  // A GPS receiver's own time, 0.3 s late and good to 0.5 s, beside its pulse, good to a
  // microsecond: both are right (RFC 5905's midpoint rule would call neither a majority), and
  // the coarse one, beyond kCombineLimit times the fine one's distance, moves nothing.
  Candidate c[] = {{300 * kMs, 500 * kMs}, {2'000, 1'000}};
  bool t[2];
  Selection s = select_sources(c, 2, t);
  ASSERT_TRUE(s.ok);
  EXPECT_TRUE(t[0]);
  EXPECT_TRUE(t[1]);
  EXPECT_EQ(s.offset_ns, 2'000);
  EXPECT_EQ(s.root_distance_ns, 1'000);
}

TEST(Select, SourcesAgreeingWithinTheMinimumDistanceAreTruechimers) {
  // Loopback servers report near-zero distances; 20 µs of noise is agreement.
  Candidate c[] = {{0, 1000}, {20'000, 1000}, {-15'000, 1000}};
  bool t[3];
  Selection s = select_sources(c, 3, t);
  ASSERT_TRUE(s.ok);
  EXPECT_EQ(s.truechimers, 3u);
}

TEST(Select, RandomMajoritiesAlwaysWin) {
  auto rng = testing::seeded_rng();
  for (int round = 0; round < 2000; ++round) {
    size_t good = 2 + rng() % 8;
    auto bad = static_cast<size_t>(rng() % good);  // strictly fewer falsetickers than truechimers
    int64_t truth = static_cast<int64_t>(rng() % 2'000'000'000) - 1'000'000'000;
    std::vector<Candidate> c;
    for (size_t i = 0; i < good; ++i) {
      int64_t err = static_cast<int64_t>(rng() % (2 * kMs)) - kMs;
      c.push_back({truth + err, 2 * kMs});
    }
    for (size_t i = 0; i < bad; ++i) {
      int64_t far = 10'000 * kMs + static_cast<int64_t>(rng() % (1000 * kMs));
      c.push_back({truth + ((i % 2) ? far : -far) + static_cast<int64_t>(i) * 100 * kMs, 2 * kMs});
    }
    std::unique_ptr<bool[]> t(new bool[c.size()]);
    Selection s = select_sources(c.data(), c.size(), t.get());
    ASSERT_TRUE(s.ok) << "good=" << good << " bad=" << bad;
    for (size_t i = 0; i < good; ++i) ASSERT_TRUE(t[i]) << i;
    for (size_t i = good; i < c.size(); ++i) ASSERT_FALSE(t[i]) << i;
    ASSERT_NEAR(static_cast<double>(s.offset_ns), static_cast<double>(truth), 1.0 * kMs);
  }
}

}  // namespace
}  // namespace lansync::core
