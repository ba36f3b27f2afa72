// Unit tests of reference selection: what sntpd serves from what evidence (core/reference).
#include <gtest/gtest.h>

#include "core/exchange.hpp"
#include "core/reference.hpp"
#include "proto/units.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kMin = 60 * kS;
constexpr int64_t kT0 = 1'795'000'000 * kS;
constexpr int64_t kMaxAge = 30 * kMin;

UpstreamReference upstream_at(int64_t update_ns) {
  UpstreamReference u;
  u.stratum = 2;
  u.refid = 0xC0A80101;  // 192.168.1.1
  u.name = "192.168.1.1:123";
  u.update_ns = update_ns;
  u.root_delay_ns = 4'000'000;
  u.root_dispersion_ns = 1'000'000;
  return u;
}

const char* const kBootId = "0b4e1c2d-3f5a-4b6c-8d7e-9f0a1b2c3d4e";
const char* const kOtherBootId = "7c9d8e1f-2a3b-4c5d-9e6f-a0b1c2d3e4f5";

// This boot, 10 min after it started, at kT0.
BootStamp this_boot(int64_t boot_time_ns = 10 * kMin) { return {kBootId, boot_time_ns}; }

// A record made at last_sync_ns in this boot (with no boot time: its age is the wall clock's).
StateReference state_at(int64_t last_sync_ns, const char* source = "phone") {
  StateReference s;
  s.last_sync_ns = last_sync_ns;
  s.source = source;
  s.uncertainty_ns = 20'000'000;
  s.boot.boot_id = kBootId;
  return s;
}

TEST(Reference, NothingMeansUnsynchronized) {
  ReferenceChoice c = choose_reference({}, kT0, kT0, kMaxAge);
  EXPECT_EQ(c.kind, ReferenceKind::None);
  EXPECT_FALSE(c.state.synchronized);
}

TEST(Reference, UpstreamServesStratumPlusOneWithItsAddress) {
  ReferenceEvidence e;
  e.upstream = upstream_at(kT0);
  ReferenceChoice c = choose_reference(e, kT0 + 10 * kS, kT0, kMaxAge);
  EXPECT_EQ(c.kind, ReferenceKind::Upstream);
  EXPECT_EQ(c.state.stratum, 3);
  EXPECT_EQ(c.state.refid, 0xC0A80101u);
  EXPECT_EQ(c.state.reference_time_ns, kT0);
  EXPECT_EQ(refid_text(c.state.refid, c.state.stratum), "192.168.1.1");
}

TEST(Reference, UpstreamWinsOverEverythingElse) {
  ReferenceEvidence e;
  e.upstream = upstream_at(kT0);
  e.kernel = KernelReference{1'000'000};
  e.state = state_at(kT0);
  e.this_boot = this_boot();
  e.local_stratum = 10;
  EXPECT_EQ(choose_reference(e, kT0 + kS, kT0, kMaxAge).kind, ReferenceKind::Upstream);
}

TEST(Reference, HoldoverThenFallBackWhenUpstreamIsLost) {
  ReferenceEvidence e;
  e.upstream = upstream_at(kT0);  // no update after kT0
  e.local_stratum = 10;
  ReferenceChoice held = choose_reference(e, kT0 + 20 * kMin, kT0, kMaxAge);
  EXPECT_EQ(held.kind, ReferenceKind::Upstream);
  // Dispersion has grown by 15 ppm of 20 minutes: 18 ms.
  EXPECT_EQ(proto::root_dispersion_at(held.state, kT0 + 20 * kMin), 1'000'000 + 18'000'000);
  ReferenceChoice fallen = choose_reference(e, kT0 + 31 * kMin, kT0, kMaxAge);
  EXPECT_EQ(fallen.kind, ReferenceKind::Local);
  EXPECT_NE(fallen.detail.find("more than the 30 min 00 s allowed"), std::string::npos) << fallen.detail;
  e.local_stratum.reset();
  ReferenceChoice none = choose_reference(e, kT0 + 31 * kMin, kT0, kMaxAge);
  EXPECT_EQ(none.kind, ReferenceKind::None);
  EXPECT_FALSE(none.state.synchronized);
}

TEST(Reference, RootDistanceOver1500msEndsTheReference) {
  ReferenceEvidence e;
  UpstreamReference u = upstream_at(kT0);
  u.root_dispersion_ns = 1'600'000'000;  // e.g. an uncorrected offset of 1.6 s
  e.upstream = u;
  ReferenceChoice c = choose_reference(e, kT0 + kS, kT0, kMaxAge);
  EXPECT_EQ(c.kind, ReferenceKind::None);
  EXPECT_NE(c.detail.find("root distance"), std::string::npos) << c.detail;
}

TEST(Reference, KernelDisciplinedByAnotherDaemon) {
  ReferenceEvidence e;
  e.kernel = KernelReference{3'000'000};
  e.state = state_at(kT0);
  e.this_boot = this_boot();
  ReferenceChoice c = choose_reference(e, kT0 + kS, kT0, kMaxAge);
  EXPECT_EQ(c.kind, ReferenceKind::Kernel);
  EXPECT_EQ(c.state.stratum, kUnknownDepthStratum);
  EXPECT_EQ(proto::root_dispersion_at(c.state, kT0 + kS), 3'000'000);
}

TEST(Reference, FreshStateFileIsAReferenceUntilMaxAge) {
  ReferenceEvidence e;
  e.state = state_at(kT0, "phone");
  e.this_boot = this_boot();
  ReferenceChoice c = choose_reference(e, kT0 + 12 * kMin, kT0, kMaxAge);
  EXPECT_EQ(c.kind, ReferenceKind::SyncState);
  EXPECT_TRUE(c.state.synchronized);
  EXPECT_EQ(c.state.stratum, kUnknownDepthStratum);
  EXPECT_EQ(c.state.refid, codec::refid_from_ascii("PHON"));
  EXPECT_EQ(c.detail, "sync-state file (source phone, 12 min 00 s old by the wall clock)");
  EXPECT_EQ(choose_reference(e, kT0 + 30 * kMin + kS, kT0, kMaxAge).kind, ReferenceKind::None);
}

TEST(Reference, StateFromAnNtpServerKeepsItsDepthAndAddress) {
  ReferenceEvidence e;
  e.state = state_at(kT0, "ntp:192.168.4.1");
  e.this_boot = this_boot();
  e.state->stratum = 1;
  ReferenceChoice c = choose_reference(e, kT0 + kMin, kT0, kMaxAge);
  EXPECT_EQ(c.state.stratum, 2);
  EXPECT_EQ(c.state.refid, 0xC0A80401u);
}

TEST(Reference, StateFromTheFutureDoesNotCount) {
  ReferenceEvidence e;
  e.state = state_at(kT0 + 3600 * kS);  // written, then the clock went back an hour
  e.this_boot = this_boot();
  ReferenceChoice c = choose_reference(e, kT0, kT0, kMaxAge);
  EXPECT_EQ(c.kind, ReferenceKind::None);
  EXPECT_NE(c.detail.find("future"), std::string::npos);
}

TEST(Reference, StateFromThisBootIsJudgedByTheLargerAge) {
  ReferenceEvidence e;
  e.state = state_at(kT0 - kMin);
  e.state->boot.boot_time_ns = 9 * kMin;  // written 1 min ago by either clock
  e.this_boot = this_boot();
  ReferenceChoice c = choose_reference(e, kT0, kT0, kMaxAge);
  EXPECT_EQ(c.kind, ReferenceKind::SyncState);
  EXPECT_EQ(c.detail, "sync-state file (source phone, 1 min 00 s old by the boot clock)");
  // The clock was set back since: 1 min by the wall clock, 2 h by the boot clock.
  e.this_boot = this_boot(9 * kMin + 2 * 60 * kMin);
  c = choose_reference(e, kT0, kT0, kMaxAge);
  EXPECT_EQ(c.kind, ReferenceKind::None);
  EXPECT_EQ(c.detail,
            "no reference (sync-state file (source phone): 2 h 00 min old by the boot clock, more than the "
            "30 min 00 s allowed)");
}

TEST(Reference, StateFromAnotherBootIsNotAReference) {
  ReferenceEvidence e;
  e.state = state_at(kT0 - kMin);  // a minute old by the wall clock fake-hwclock restored
  e.state->boot = {kOtherBootId, 3 * 3600 * kS};
  e.this_boot = this_boot(40 * kS);
  ReferenceChoice c = choose_reference(e, kT0, kT0, kMaxAge);
  EXPECT_EQ(c.kind, ReferenceKind::None);
  EXPECT_FALSE(c.state.synchronized);
  EXPECT_EQ(c.detail, "no reference (sync-state file (source phone): from an earlier boot)");
}

TEST(Reference, StateNamingNoBootIsFromAnotherBoot) {
  ReferenceEvidence e;
  e.state = state_at(kT0 - kMin);
  e.state->boot = {};  // written before records named their boot
  e.this_boot = this_boot();
  ReferenceChoice c = choose_reference(e, kT0, kT0, kMaxAge);
  EXPECT_EQ(c.kind, ReferenceKind::None);
  EXPECT_NE(c.detail.find("no boot_id recorded, so taken as from an earlier boot"), std::string::npos);
}

TEST(Reference, UnreadableStateFileIsSaidAndNotServed) {
  ReferenceEvidence e;
  e.state_problem =
      "/var/lib/lansync/sync-state.json: field 'boot_id' must be a boot id (a UUID of 36 characters)";
  e.this_boot = this_boot();
  ReferenceChoice c = choose_reference(e, kT0, kT0, kMaxAge);
  EXPECT_EQ(c.kind, ReferenceKind::None);
  EXPECT_EQ(c.detail, "no reference (sync-state file: " + e.state_problem + ")");
}

TEST(Reference, LocalStratumIsTheLastResort) {
  ReferenceEvidence e;
  e.local_stratum = 10;
  e.state = state_at(kT0 - 2 * 3600 * kS);  // stale
  e.this_boot = this_boot();
  ReferenceChoice c = choose_reference(e, kT0, kT0, kMaxAge);
  EXPECT_EQ(c.kind, ReferenceKind::Local);
  EXPECT_EQ(c.state.stratum, 10);
  EXPECT_EQ(c.state.refid, proto::kLocalRefid);
}

TEST(Reference, RefidForSources) {
  EXPECT_EQ(refid_for_source("ntp:10.1.2.3"), 0x0A010203u);
  EXPECT_EQ(refid_for_source("ntp:10.1.2.3,10.1.2.4"), 0x0A010203u);
  EXPECT_EQ(refid_for_source("rtc"), codec::refid_from_ascii("RTC"));
  EXPECT_EQ(refid_for_source("gps-hat"), codec::refid_from_ascii("GPSH"));
  EXPECT_EQ(refid_for_source("ntp:[fd00::1]"), codec::refid_from_ascii("NTP"));
}

}  // namespace
}  // namespace lansync::core
