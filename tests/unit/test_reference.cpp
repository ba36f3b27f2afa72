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

// Chooses among candidates at now_ns, as sntpd does.
ReferenceChoice choose(const std::vector<ReferenceCandidate>& candidates, int64_t now_ns) {
  return choose_reference(candidates, now_ns, kMaxAge, -20);
}

// The sync-state file's record st, judged at now_ns in boot.
ReferenceCandidate state(const StateReference& st, int64_t now_ns, const BootStamp& boot = this_boot()) {
  return state_candidate(st, boot, now_ns, kMaxAge);
}

// What is served grows by how well the clock's frequency is known, as chronyd's root dispersion
// grows by its skew; a frequency not known at all counts as kMaxFrequencyErrorPpm off.
TEST(Reference, UpstreamDispersionGrowsByTheFrequencysErrorBound) {
  UpstreamReference u = upstream_at(kT0);
  u.frequency_skew_ppm = 0.2;
  ReferenceCandidate known = upstream_candidate(u, kT0);
  EXPECT_EQ(proto::root_dispersion_at(known.state, kT0 + 100 * kS),
            1'000'000 + 100 * 15'200);  // 15 + 0.2 ppm
  u.frequency_skew_ppm = 1e6;           // nothing known yet
  ReferenceCandidate unknown = upstream_candidate(u, kT0);
  EXPECT_EQ(proto::root_dispersion_at(unknown.state, kT0 + 100 * kS), 1'000'000 + 100 * 1'015'000);
  // It stops counting when its root distance reaches 1.5 s: sooner, the less is known.
  EXPECT_TRUE(choose({unknown}, kT0 + 1400 * kS).state.synchronized);
  EXPECT_FALSE(choose({unknown}, kT0 + 1500 * kS).state.synchronized);
}

// A clock whose record earned a smaller drift (core/holdover) states that, never more than PHI.
TEST(Reference, AnEarnedDriftBoundReplacesPhi) {
  UpstreamReference u = upstream_at(kT0);
  u.frequency_skew_ppm = 0.2;
  u.drift_bound_ppm = 0.45;
  ReferenceCandidate earned = upstream_candidate(u, kT0);
  EXPECT_EQ(proto::root_dispersion_at(earned.state, kT0 + 100 * kS),
            1'000'000 + 100 * 650);  // 0.45 + 0.2 ppm
  u.drift_bound_ppm = 40;            // more than PHI: PHI
  EXPECT_EQ(proto::root_dispersion_at(upstream_candidate(u, kT0).state, kT0 + 100 * kS),
            1'000'000 + 100 * 15'200);
  u.drift_bound_ppm = -1;  // nonsense: PHI
  EXPECT_EQ(proto::root_dispersion_at(upstream_candidate(u, kT0).state, kT0 + 100 * kS),
            1'000'000 + 100 * 15'200);
}

// sntpd records each upstream update in the sync-state file: once the upstream reference stops
// counting, that record must not serve the same measurement on (its error grown at 15 ppm only);
// a newer record (a phone's, ntpprobe --set's) still counts.
TEST(Reference, ARecordOfTheSameUpstreamUpdateDoesNotOutliveIt) {
  UpstreamReference u = upstream_at(kT0);
  u.frequency_skew_ppm = 1e6;  // lapses by distance after about 1480 s
  StateReference same = state_at(kT0 + kS / 2, "ntp:192.168.1.1");
  int64_t now = kT0 + 1600 * kS;
  ReferenceChoice c = choose({upstream_candidate(u, now), state(same, now)}, now);
  EXPECT_FALSE(c.state.synchronized) << c.detail;
  EXPECT_NE(c.detail.find("no newer than the upstream reference"), std::string::npos) << c.detail;
  StateReference newer = state_at(kT0 + 1000 * kS, "phone");
  c = choose({upstream_candidate(u, now), state(newer, now)}, now);
  EXPECT_TRUE(c.state.synchronized);
  EXPECT_EQ(c.source, "phone");
}

TEST(Reference, NothingMeansUnsynchronized) {
  ReferenceChoice c = choose({}, kT0);
  EXPECT_EQ(c.role, ReferenceRole::None);
  EXPECT_EQ(c.kind, "none");
  EXPECT_FALSE(c.state.synchronized);
  EXPECT_EQ(c.state.precision_log2, -20);
}

TEST(Reference, UpstreamServesStratumPlusOneWithItsAddress) {
  int64_t now = kT0 + 10 * kS;
  ReferenceChoice c = choose({upstream_candidate(upstream_at(kT0), now)}, now);
  EXPECT_EQ(c.role, ReferenceRole::Measured);
  EXPECT_EQ(c.kind, "upstream");
  EXPECT_EQ(c.source, "upstream");
  EXPECT_EQ(c.state.stratum, 3);
  EXPECT_EQ(c.state.refid, 0xC0A80101u);
  EXPECT_EQ(c.state.reference_time_ns, kT0);
  EXPECT_EQ(c.state.precision_log2, -20);
  EXPECT_EQ(refid_text(c.state.refid, c.state.stratum), "192.168.1.1");
  EXPECT_EQ(c.detail, "upstream 192.168.1.1:123 (stratum 2, updated 10 s ago)");
}

TEST(Reference, UpstreamOfStratum15OrMoreDoesNotCount) {
  UpstreamReference u = upstream_at(kT0);
  for (int stratum : {15, 16, 255}) {
    u.stratum = static_cast<uint8_t>(stratum);
    ReferenceChoice c = choose({upstream_candidate(u, kT0)}, kT0);
    EXPECT_EQ(c.role, ReferenceRole::None) << stratum;
    EXPECT_EQ(c.detail, "no reference (upstream 192.168.1.1:123: upstream stratum too high)");
  }
}

TEST(Reference, TheFirstThatCountsWins) {
  int64_t now = kT0 + kS;
  std::vector<ReferenceCandidate> all = {upstream_candidate(upstream_at(kT0), now),
                                         kernel_candidate(1'000'000, now), state(state_at(kT0), now),
                                         local_candidate(10, -20, kT0, now)};
  EXPECT_EQ(choose(all, now).kind, "upstream");
  all.erase(all.begin());
  EXPECT_EQ(choose(all, now).kind, "kernel");
  all.erase(all.begin());
  ReferenceChoice c = choose(all, now);
  EXPECT_EQ(c.kind, "state");
  EXPECT_EQ(c.role, ReferenceRole::Record);
  EXPECT_EQ(c.source, "phone");
}

TEST(Reference, HoldoverThenFallBackWhenUpstreamIsLost) {
  UpstreamReference u = upstream_at(kT0);  // no update after kT0
  int64_t held_at = kT0 + 20 * kMin;
  ReferenceChoice held =
      choose({upstream_candidate(u, held_at), local_candidate(10, -20, kT0, held_at)}, held_at);
  EXPECT_EQ(held.kind, "upstream");
  // Dispersion has grown by 15 ppm of 20 minutes: 18 ms.
  EXPECT_EQ(proto::root_dispersion_at(held.state, held_at), 1'000'000 + 18'000'000);
  int64_t later = kT0 + 31 * kMin;
  ReferenceChoice fallen =
      choose({upstream_candidate(u, later), local_candidate(10, -20, kT0, later)}, later);
  EXPECT_EQ(fallen.role, ReferenceRole::LastResort);
  EXPECT_EQ(fallen.detail,
            "local clock at stratum 10 (upstream 192.168.1.1:123: 31 min 00 s old, more than the 30 min 00 s "
            "allowed)");
  ReferenceChoice none = choose({upstream_candidate(u, later)}, later);
  EXPECT_EQ(none.role, ReferenceRole::None);
  EXPECT_FALSE(none.state.synchronized);
}

TEST(Reference, RootDistanceOver1500msEndsTheReference) {
  UpstreamReference u = upstream_at(kT0);
  u.root_dispersion_ns = 1'600'000'000;  // e.g. an uncorrected offset of 1.6 s
  ReferenceChoice c = choose({upstream_candidate(u, kT0 + kS)}, kT0 + kS);
  EXPECT_EQ(c.role, ReferenceRole::None);
  EXPECT_NE(c.detail.find("root distance"), std::string::npos) << c.detail;
}

TEST(Reference, KernelDisciplinedByAnotherDaemon) {
  int64_t now = kT0 + kS;
  ReferenceChoice c = choose({kernel_candidate(3'000'000, now), state(state_at(kT0), now)}, now);
  EXPECT_EQ(c.kind, "kernel");
  EXPECT_EQ(c.role, ReferenceRole::External);
  EXPECT_EQ(c.state.stratum, kUnknownDepthStratum);
  EXPECT_EQ(proto::root_dispersion_at(c.state, now), 3'000'000);
  EXPECT_EQ(c.detail, "kernel (clock disciplined by another daemon, max error 3000 us)");
}

TEST(Reference, FreshStateFileIsAReferenceUntilMaxAge) {
  int64_t now = kT0 + 12 * kMin;
  ReferenceChoice c = choose({state(state_at(kT0, "phone"), now)}, now);
  EXPECT_EQ(c.kind, "state");
  EXPECT_EQ(c.source, "phone");
  EXPECT_TRUE(c.state.synchronized);
  EXPECT_EQ(c.state.stratum, kUnknownDepthStratum);
  EXPECT_EQ(c.state.refid, codec::refid_from_ascii("PHON"));
  EXPECT_EQ(c.detail, "sync-state file (source phone, 12 min 00 s old by the wall clock)");
  now = kT0 + 30 * kMin + kS;
  EXPECT_EQ(choose({state(state_at(kT0, "phone"), now)}, now).role, ReferenceRole::None);
}

// A verification found the clock 3 ms off and left it there (within what a phone may move): the
// record's error is that offset as well as the measurement's uncertainty.
TEST(Reference, AVerificationsOffsetIsPartOfItsError) {
  StateReference st = state_at(kT0 - kMin);
  EXPECT_EQ(state(st, kT0).state.root_dispersion_ns, 20'000'000);
  st.uncorrected_offset_ns = -3'000'000;
  EXPECT_EQ(state(st, kT0).state.root_dispersion_ns, 23'000'000);
}

TEST(Reference, StateFromAnNtpServerKeepsItsDepthAndAddress) {
  StateReference st = state_at(kT0, "ntp:192.168.4.1");
  st.stratum = 1;
  ReferenceChoice c = choose({state(st, kT0 + kMin)}, kT0 + kMin);
  EXPECT_EQ(c.state.stratum, 2);
  EXPECT_EQ(c.state.refid, 0xC0A80401u);
}

TEST(Reference, StateFromTheFutureDoesNotCount) {
  // Written, then the clock went back an hour.
  ReferenceChoice c = choose({state(state_at(kT0 + 3600 * kS), kT0)}, kT0);
  EXPECT_EQ(c.role, ReferenceRole::None);
  EXPECT_NE(c.detail.find("future"), std::string::npos);
}

TEST(Reference, StateFromThisBootIsJudgedByTheLargerAge) {
  StateReference st = state_at(kT0 - kMin);
  st.boot.boot_time_ns = 9 * kMin;  // written 1 min ago by either clock
  ReferenceChoice c = choose({state(st, kT0)}, kT0);
  EXPECT_EQ(c.kind, "state");
  EXPECT_EQ(c.detail, "sync-state file (source phone, 1 min 00 s old by the boot clock)");
  // The clock was set back since: 1 min by the wall clock, 2 h by the boot clock.
  c = choose({state(st, kT0, this_boot(9 * kMin + 2 * 60 * kMin))}, kT0);
  EXPECT_EQ(c.role, ReferenceRole::None);
  EXPECT_EQ(c.detail,
            "no reference (sync-state file (source phone): 2 h 00 min old by the boot clock, more than the "
            "30 min 00 s allowed)");
}

TEST(Reference, StateFromAnotherBootIsNotAReference) {
  StateReference st = state_at(kT0 - kMin);  // a minute old by the wall clock fake-hwclock restored
  st.boot = {kOtherBootId, 3 * 3600 * kS};
  ReferenceChoice c = choose({state(st, kT0, this_boot(40 * kS))}, kT0);
  EXPECT_EQ(c.role, ReferenceRole::None);
  EXPECT_FALSE(c.state.synchronized);
  EXPECT_EQ(c.detail, "no reference (sync-state file (source phone): from an earlier boot)");
}

TEST(Reference, StateNamingNoBootIsFromAnotherBoot) {
  StateReference st = state_at(kT0 - kMin);
  st.boot = {};  // written before records named their boot
  ReferenceChoice c = choose({state(st, kT0)}, kT0);
  EXPECT_EQ(c.role, ReferenceRole::None);
  EXPECT_NE(c.detail.find("no boot_id recorded, so taken as from an earlier boot"), std::string::npos);
}

TEST(Reference, UnreadableStateFileIsSaidAndNotServed) {
  std::string problem =
      "/var/lib/lansync/sync-state.json: field 'boot_id' must be a boot id (a UUID of 36 characters)";
  ReferenceChoice c = choose({unreadable_state_candidate(problem)}, kT0);
  EXPECT_EQ(c.role, ReferenceRole::None);
  EXPECT_EQ(c.detail, "no reference (sync-state file: " + problem + ")");
}

TEST(Reference, LocalStratumIsTheLastResort) {
  ReferenceChoice c =
      choose({state(state_at(kT0 - 2 * 3600 * kS), kT0), local_candidate(10, -20, kT0, kT0)}, kT0);  // stale
  EXPECT_EQ(c.kind, "local");
  EXPECT_EQ(c.role, ReferenceRole::LastResort);
  EXPECT_EQ(c.state.stratum, 10);
  EXPECT_EQ(c.state.refid, proto::kLocalRefid);
  EXPECT_EQ(c.state.precision_log2, -20);
  // Served as chrony's local reference: dispersion the clock's precision, refreshed every 64 s.
  proto::ReferenceState local = proto::local_reference(10, -20, kT0, kT0);
  EXPECT_EQ(c.state.root_dispersion_ns, local.root_dispersion_ns);
  EXPECT_LT(c.state.root_dispersion_ns, 2'000);  // 2^-20 s: about a microsecond
  EXPECT_EQ(c.state.reference_time_ns, local.reference_time_ns);
}

TEST(Reference, RefidForSources) {
  EXPECT_EQ(refid_for_source("ntp:10.1.2.3"), 0x0A010203u);
  EXPECT_EQ(refid_for_source("ntp:10.1.2.3,10.1.2.4"), 0x0A010203u);
  EXPECT_EQ(refid_for_source("rtc"), codec::refid_from_ascii("RTC"));
  EXPECT_EQ(refid_for_source("gps-hat"), codec::refid_from_ascii("GPSH"));
  // A GPS receiver's time, and its pulse (a PPS device, gpsd's odd segments), as sntpd serves them.
  EXPECT_EQ(refid_for_source("gps:shm0"), codec::refid_from_ascii("GPS"));
  EXPECT_EQ(refid_for_source("gps:shm2"), codec::refid_from_ascii("GPS"));
  EXPECT_EQ(refid_for_source("gps:shm1"), codec::refid_from_ascii("PPS"));
  EXPECT_EQ(refid_for_source("gps:shm13"), codec::refid_from_ascii("PPS"));
  EXPECT_EQ(refid_for_source("gps:pps"), codec::refid_from_ascii("PPS"));
  EXPECT_EQ(refid_for_source("ntp:[fd00::1]"), codec::refid_from_ascii("NTP"));
}

}  // namespace
}  // namespace lansync::core
