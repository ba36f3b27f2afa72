// Unit tests of the clock trust rule (core/trust) and its evidence (flow/trust).
#include <gtest/gtest.h>

#include "../support/fake_clock.hpp"
#include "../support/temp_dir.hpp"
#include "core/trust.hpp"
#include "flow/trust.hpp"
#include "os/file.hpp"
#include "os/file_sync_state.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kNow = 1'795'000'000 * kS;
constexpr int64_t kMaxAge = 30 * 60 * kS;
constexpr int64_t kBootNow = 5 * 3600 * kS;  // CLOCK_BOOTTIME at kNow
const char* const kBootId = "0b4e1c2d-3f5a-4b6c-8d7e-9f0a1b2c3d4e";
const char* const kOtherBootId = "7c9d8e1f-2a3b-4c5d-9e6f-a0b1c2d3e4f5";

// A record age_ns old by both clocks, made in this boot.
TrustEvidence state_aged(int64_t age_ns, bool kernel_sync = false) {
  TrustEvidence e;
  e.kernel_known = true;
  e.kernel_synchronized = kernel_sync;
  e.state_known = true;
  e.state_last_sync_ns = kNow - age_ns;
  e.state_source = "phone";
  e.state_boot = {kBootId, kBootNow - age_ns};
  e.this_boot = {kBootId, kBootNow};
  return e;
}

TEST(Trust, FreshStateIsTrusted) {
  TrustVerdict v = assess_trust(state_aged(10 * 60 * kS), TrustPolicy::Auto, kNow, kMaxAge);
  EXPECT_TRUE(v.trusted);
  EXPECT_EQ(v.reason, TrustReason::StateFresh);
  EXPECT_EQ(explain(v, state_aged(10 * 60 * kS), kMaxAge),
            "the clock was set or verified 10 min 00 s ago by the boot clock (source phone)");
}

TEST(Trust, StaleStateIsNotTrusted) {
  TrustEvidence e = state_aged(2 * 3600 * kS + 5 * 60 * kS);
  TrustVerdict v = assess_trust(e, TrustPolicy::Auto, kNow, kMaxAge);
  EXPECT_FALSE(v.trusted);
  EXPECT_EQ(v.reason, TrustReason::StateStale);
  EXPECT_EQ(explain(v, e, kMaxAge),
            "the kernel reports the clock unsynchronized, and the clock was last set or verified "
            "2 h 05 min ago by the boot clock (source phone), more than the 30 min 00 s allowed");
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
  // Written, then the clock went back an hour: "now" is before the record.
  TrustEvidence e = state_aged(-3600 * kS);
  TrustVerdict v = assess_trust(e, TrustPolicy::Auto, kNow, kMaxAge);
  EXPECT_FALSE(v.trusted);
  EXPECT_EQ(v.reason, TrustReason::StateInFuture);
  // ...but a second of granularity is not.
  EXPECT_TRUE(assess_trust(state_aged(-1 * kS), TrustPolicy::Auto, kNow, kMaxAge).trusted);
}

TEST(Trust, RecordFromAnotherBootIsRefused) {
  // fake-hwclock restored a time a minute after the record: its wall age looks fresh.
  TrustEvidence e = state_aged(60 * kS);
  e.state_boot = {kOtherBootId, 3 * 3600 * kS};
  e.this_boot = {kBootId, 30 * kS};
  TrustVerdict v = assess_trust(e, TrustPolicy::Auto, kNow, kMaxAge);
  EXPECT_FALSE(v.trusted);
  EXPECT_EQ(v.reason, TrustReason::StateOtherBoot);
  EXPECT_EQ(v.record.reason, RecordReason::OtherBoot);
  EXPECT_EQ(explain(v, e, kMaxAge),
            "the kernel reports the clock unsynchronized, and the sync-state record (source phone) does not "
            "count: from an earlier boot");
}

TEST(Trust, RecordNamingNoBootIsFromAnotherBoot) {
  TrustEvidence e = state_aged(60 * kS);
  e.state_boot = {};  // an older writer
  TrustVerdict v = assess_trust(e, TrustPolicy::Auto, kNow, kMaxAge);
  EXPECT_FALSE(v.trusted);
  EXPECT_EQ(v.reason, TrustReason::StateOtherBoot);
  EXPECT_EQ(v.record.reason, RecordReason::NoBootId);
  EXPECT_NE(explain(v, e, kMaxAge).find("no boot_id recorded, so taken as from an earlier boot"),
            std::string::npos);
}

TEST(Trust, UnknownBootTrustsNoRecord) {
  TrustEvidence e = state_aged(60 * kS);
  e.this_boot = {};  // /proc/sys/kernel/random/boot_id could not be read
  TrustVerdict v = assess_trust(e, TrustPolicy::Auto, kNow, kMaxAge);
  EXPECT_FALSE(v.trusted);
  EXPECT_EQ(v.record.reason, RecordReason::BootUnknown);
}

TEST(Trust, BootClockAgeCountsWhenTheClockWasSetBack) {
  // Written 2 h ago by the boot clock; the wall clock was set back since, so it says 60 s.
  TrustEvidence e = state_aged(60 * kS);
  e.state_boot.boot_time_ns = kBootNow - 2 * 3600 * kS;
  TrustVerdict v = assess_trust(e, TrustPolicy::Auto, kNow, kMaxAge);
  EXPECT_FALSE(v.trusted);
  EXPECT_EQ(v.reason, TrustReason::StateStale);
  EXPECT_EQ(v.state_age_ns, 2 * 3600 * kS);
  EXPECT_EQ(v.record.age_clock, AgeClock::Boot);
  EXPECT_NE(explain(v, e, kMaxAge).find("2 h 00 min ago by the boot clock"), std::string::npos);
}

TEST(Trust, WallClockAgeCountsWhenTheClockWasSetForward) {
  TrustEvidence e = state_aged(2 * 3600 * kS);
  e.state_boot.boot_time_ns = kBootNow - 60 * kS;  // a minute by the boot clock
  TrustVerdict v = assess_trust(e, TrustPolicy::Auto, kNow, kMaxAge);
  EXPECT_FALSE(v.trusted);
  EXPECT_EQ(v.record.age_clock, AgeClock::Wall);
  EXPECT_NE(explain(v, e, kMaxAge).find("2 h 00 min ago by the wall clock"), std::string::npos);
}

TEST(Trust, RecordWithoutBootTimeIsAgedByTheWallClock) {
  TrustEvidence e = state_aged(10 * 60 * kS);
  e.state_boot.boot_time_ns.reset();
  TrustVerdict v = assess_trust(e, TrustPolicy::Auto, kNow, kMaxAge);
  EXPECT_TRUE(v.trusted);
  EXPECT_EQ(v.record.age_clock, AgeClock::Wall);
}

TEST(RecordAge, BootIdsAreUuids) {
  EXPECT_TRUE(valid_boot_id(kBootId));
  EXPECT_TRUE(valid_boot_id("0B4E1C2D-3F5A-4B6C-8D7E-9F0A1B2C3D4E"));
  EXPECT_FALSE(valid_boot_id(""));
  EXPECT_FALSE(valid_boot_id("0b4e1c2d3f5a4b6c8d7e9f0a1b2c3d4e"));        // no dashes
  EXPECT_FALSE(valid_boot_id("0b4e1c2d-3f5a-4b6c-8d7e-9f0a1b2c3d4"));     // 35 chars
  EXPECT_FALSE(valid_boot_id("0b4e1c2d-3f5a-4b6c-8d7e-9f0a1b2c3d4g"));    // not hex
  EXPECT_FALSE(valid_boot_id("0b4e1c2d-3f5a-4b6c-8d7e-9f0a1b2c3d4e\n"));  // 37 chars
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
  TrustEvidence missing = flow::gather_trust_evidence(clock, path);
  EXPECT_TRUE(missing.kernel_known);
  EXPECT_FALSE(missing.state_known);
  EXPECT_FALSE(missing.state_problem.empty());
  os::SyncState s{.last_sync_unix = 1795000000.5, .source = "rtc", .offset_s = 0.1};
  os::stamp_boot(s, *clock.boot_stamp());
  ASSERT_TRUE(os::write_sync_state(path, s).ok());
  clock.status.synchronized = true;
  TrustEvidence e = flow::gather_trust_evidence(clock, path);
  EXPECT_TRUE(e.kernel_synchronized);
  EXPECT_TRUE(e.state_known);
  EXPECT_EQ(e.state_last_sync_ns, kNow + kS / 2);
  EXPECT_EQ(e.state_source, "rtc");
  EXPECT_EQ(e.state_boot.boot_id, clock.boot_id);
  EXPECT_EQ(e.this_boot.boot_id, clock.boot_id);
}

// Stamped by the clock's boot, read back in that boot and after a reboot.
TEST(TrustEvidence, ARecordCountsOnlyInItsBoot) {
  testing::FakeClock clock(kNow);
  testing::TempDir dir;
  std::string path = (dir.path() / "state.json").string();
  os::SyncState s{.last_sync_unix = kNow / 1e9, .source = "phone", .offset_s = 5};
  os::stamp_boot(s, *clock.boot_stamp());
  ASSERT_TRUE(os::write_sync_state(path, s).ok());
  clock.advance(60 * kS);
  TrustVerdict v =
      assess_trust(flow::gather_trust_evidence(clock, path), TrustPolicy::Auto, clock.now_ns(), kMaxAge);
  EXPECT_TRUE(v.trusted);
  EXPECT_EQ(v.state_age_ns, 60 * kS);
  clock.reboot(kOtherBootId);
  TrustEvidence e = flow::gather_trust_evidence(clock, path);
  v = assess_trust(e, TrustPolicy::Auto, clock.now_ns(), kMaxAge);
  EXPECT_FALSE(v.trusted);
  EXPECT_EQ(v.reason, TrustReason::StateOtherBoot);
  // The boot clock went back to seconds after the reboot, yet that is no age: the boot differs.
  EXPECT_EQ(v.record.reason, RecordReason::OtherBoot);
}

TEST(TrustEvidence, AMalformedBootIdIsAnErrorNamingTheFileAndField) {
  testing::FakeClock clock(kNow);
  testing::TempDir dir;
  std::string path = (dir.path() / "state.json").string();
  std::string text =
      R"({"last_sync_unix":1795000000,"source":"phone","offset_s":0,"boot_id":"not-a-uuid","boot_time_s":12})"
      "\n";
  ASSERT_TRUE(os::write_file_atomic(path, text, 0644).ok());
  TrustEvidence e = flow::gather_trust_evidence(clock, path);
  EXPECT_FALSE(e.state_known);
  EXPECT_EQ(e.state_problem, path + ": field 'boot_id' must be a boot id (a UUID of 36 characters)");
  TrustVerdict v = assess_trust(e, TrustPolicy::Auto, kNow, kMaxAge);
  EXPECT_FALSE(v.trusted);
  EXPECT_EQ(v.reason, TrustReason::StateMissing);
  EXPECT_EQ(*os::read_small_file(path, 4096), text);  // a reader leaves the file as it was
}

}  // namespace
}  // namespace lansync::core
