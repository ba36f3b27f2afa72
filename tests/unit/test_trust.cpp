// Unit tests of the clock trust rule (core/trust) and its evidence (os/trust).
#include <gtest/gtest.h>

#include "../support/fake_clock.hpp"
#include "../support/temp_dir.hpp"
#include "core/trust.hpp"
#include "os/sync_state.hpp"
#include "os/trust.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kNow = 1'795'000'000 * kS;
constexpr int64_t kMaxAge = 30 * 60 * kS;

TrustEvidence state_aged(int64_t age_ns, bool kernel_sync = false) {
  TrustEvidence e;
  e.kernel_known = true;
  e.kernel_synchronized = kernel_sync;
  e.state_known = true;
  e.state_last_sync_ns = kNow - age_ns;
  e.state_source = "phone";
  return e;
}

TEST(Trust, FreshStateIsTrusted) {
  TrustVerdict v = assess_trust(state_aged(10 * 60 * kS), TrustPolicy::Auto, kNow, kMaxAge);
  EXPECT_TRUE(v.trusted);
  EXPECT_EQ(v.reason, TrustReason::StateFresh);
  EXPECT_EQ(explain(v, state_aged(10 * 60 * kS), kMaxAge),
            "the clock was set or verified 10 min 00 s ago (source phone)");
}

TEST(Trust, StaleStateIsNotTrusted) {
  TrustEvidence e = state_aged(2 * 3600 * kS + 5 * 60 * kS);
  TrustVerdict v = assess_trust(e, TrustPolicy::Auto, kNow, kMaxAge);
  EXPECT_FALSE(v.trusted);
  EXPECT_EQ(v.reason, TrustReason::StateStale);
  EXPECT_EQ(explain(v, e, kMaxAge),
            "the kernel reports the clock unsynchronized, and the clock was last set or verified "
            "2 h 05 min ago (source phone), more than the 30 min 00 s allowed");
}

TEST(Trust, MaxAgeIsInclusive) {
  EXPECT_TRUE(assess_trust(state_aged(kMaxAge), TrustPolicy::Auto, kNow, kMaxAge).trusted);
  EXPECT_FALSE(assess_trust(state_aged(kMaxAge + 1), TrustPolicy::Auto, kNow, kMaxAge).trusted);
}

TEST(Trust, KernelSynchronizedIsTrustedEvenWithAStaleState) {
  TrustVerdict v = assess_trust(state_aged(5 * 3600 * kS, true), TrustPolicy::Auto, kNow, kMaxAge);
  EXPECT_TRUE(v.trusted);
  EXPECT_EQ(v.reason, TrustReason::KernelSynchronized);
}

TEST(Trust, PoliciesLookAtOneSourceOnly) {
  TrustEvidence kernel_only = state_aged(5 * 3600 * kS, true);
  EXPECT_FALSE(assess_trust(kernel_only, TrustPolicy::StateOnly, kNow, kMaxAge).trusted);
  TrustEvidence state_only = state_aged(60 * kS, false);
  EXPECT_FALSE(assess_trust(state_only, TrustPolicy::KernelOnly, kNow, kMaxAge).trusted);
  EXPECT_EQ(assess_trust(state_only, TrustPolicy::KernelOnly, kNow, kMaxAge).reason,
            TrustReason::KernelUnsynchronized);
  EXPECT_TRUE(assess_trust(state_only, TrustPolicy::StateOnly, kNow, kMaxAge).trusted);
}

TEST(Trust, RecordFromTheFutureIsSuspect) {
  // The Pi booted in 1970 after a record was written: "now" is before the record.
  TrustEvidence e = state_aged(-3600 * kS);
  TrustVerdict v = assess_trust(e, TrustPolicy::Auto, kNow, kMaxAge);
  EXPECT_FALSE(v.trusted);
  EXPECT_EQ(v.reason, TrustReason::StateInFuture);
  // ...but a second of granularity is not.
  EXPECT_TRUE(assess_trust(state_aged(-1 * kS), TrustPolicy::Auto, kNow, kMaxAge).trusted);
}

TEST(Trust, NoRecordIsNotTrusted) {
  TrustEvidence e;
  e.kernel_known = true;
  e.state_problem = "cannot open /x: No such file or directory";
  TrustVerdict v = assess_trust(e, TrustPolicy::Auto, kNow, kMaxAge);
  EXPECT_FALSE(v.trusted);
  EXPECT_EQ(v.reason, TrustReason::StateMissing);
  EXPECT_NE(explain(v, e, kMaxAge).find("cannot open /x"), std::string::npos);
}

TEST(Trust, HumanDurations) {
  EXPECT_EQ(human_duration(42 * kS), "42 s");
  EXPECT_EQ(human_duration(125 * kS), "2 min 05 s");
  EXPECT_EQ(human_duration(3 * 86400 * kS + 4 * 3600 * kS), "3 d 4 h");
  EXPECT_EQ(human_duration(-90 * kS), "1 min 30 s");
}

TEST(TrustEvidence, ReadsTheKernelAndTheFile) {
  testing::FakeClock clock(kNow);
  testing::TempDir dir;
  std::string path = (dir.path() / "state.json").string();
  TrustEvidence missing = os::gather_trust_evidence(clock, path);
  EXPECT_TRUE(missing.kernel_known);
  EXPECT_FALSE(missing.state_known);
  EXPECT_FALSE(missing.state_problem.empty());
  ASSERT_TRUE(
      os::write_sync_state(path, {.last_sync_unix = 1795000000.5, .source = "rtc", .offset_s = 0.1}).ok());
  clock.status.synchronized = true;
  TrustEvidence e = os::gather_trust_evidence(clock, path);
  EXPECT_TRUE(e.kernel_synchronized);
  EXPECT_TRUE(e.state_known);
  EXPECT_EQ(e.state_last_sync_ns, kNow + kS / 2);
  EXPECT_EQ(e.state_source, "rtc");
}

}  // namespace
}  // namespace lansync::core
