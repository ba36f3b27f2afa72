// Tests of what the board's clock follows (firmware/board/source_state): the error bound, online, and
// what deep sleep keeps of it.
#include <gtest/gtest.h>

#include "firmware/board/source_state.hpp"

namespace lansync::fw {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;

TEST(FwSourceState, TheErrorBoundGrowsAtPhiFromItsBase) {
  SourceState s;
  s.set_error(10 * kS, 2 * kMs);
  EXPECT_EQ(s.error.at(10 * kS), 2 * kMs);
  EXPECT_EQ(s.error.at(5 * kS), 2 * kMs);  // never below the base
  EXPECT_EQ(s.error.at(10 * kS + 1000 * kS), 2 * kMs + 15 * kMs);
  s.set_error(0, 0, 2'000);
  EXPECT_EQ(s.error.at(1000 * kS), 2 * kMs);
}

TEST(FwSourceState, OnlineOnlyWhileANetworkSourceIsHeard) {
  SourceState s;
  s.last_online_local_ns = 100 * kS;
  s.source = Source::Rtc;
  EXPECT_FALSE(s.networked());
  EXPECT_FALSE(s.online(101 * kS, 900 * kS));
  for (Source src : {Source::Ntp, Source::Broadcast}) {
    s.source = src;
    EXPECT_TRUE(s.networked());
    EXPECT_TRUE(s.online(999 * kS, 900 * kS));
    EXPECT_FALSE(s.online(1000 * kS, 900 * kS));
  }
}

TEST(FwSourceState, DeepSleepKeepsTheUpstreamAndTheReference) {
  SourceState s;
  s.upstream = Upstream{2, 0xC0A80401, 3 * kMs};
  s.reference_utc_ns = int64_t{1'800'000'000} * kS;
  s.last_online_local_ns = 40 * kS;
  SleepRecord r;
  s.save(100 * kS, &r);
  EXPECT_EQ(r.since_online_ns, 60 * kS);
  SourceState t;
  t.restore_upstream(r);
  EXPECT_EQ(t.upstream.stratum, 2);
  EXPECT_EQ(t.upstream.refid, 0xC0A80401u);
  EXPECT_EQ(t.upstream.root_delay_ns, 3 * kMs);
  EXPECT_EQ(t.reference_utc_ns, s.reference_utc_ns);
}

TEST(FwSourceState, EverySourceIsNamed) {
  EXPECT_STREQ(source_name(Source::None), "none");
  EXPECT_STREQ(source_name(Source::Rtc), "rtc");
  EXPECT_STREQ(source_name(Source::Phone), "phone");
  EXPECT_STREQ(source_name(Source::Ntp), "ntp");
  EXPECT_STREQ(source_name(Source::Broadcast), "broadcast");
}

}  // namespace
}  // namespace lansync::fw
