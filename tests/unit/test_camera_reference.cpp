// The camera as the last-resort reference (core/camera_reference), its reading in the camera-state
// file (os/camera_state), and what the rest of the rules make of a clock set from it.
#include <gtest/gtest.h>

#include "core/camera_reference.hpp"
#include "core/phone.hpp"
#include "core/reference.hpp"
#include "core/trust.hpp"
#include "os/camera_state.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kNow = 1'795'000'000 * kS;
const std::string kBoot = "4f1c2a9e-0b6d-4c1a-9f3e-2d7b8a6c5e10";

TEST(CameraReference, BoundGrowsWithTheTimeSinceAGoodClock) {
  // An hour after camsync found it right: 50 ppm of 3600 s is 0.18 s, plus the reading's 4 ms.
  EXPECT_EQ(camera_error_bound_ns(4'000'000, kNow - 3600 * kS, kNow), 184'000'000);
  EXPECT_EQ(camera_error_bound_ns(4'000'000, kNow, kNow), 4'000'000);
  // A day: 4.32 s, beyond what sntpd serves (it says so, see below).
  EXPECT_EQ(camera_error_bound_ns(0, kNow - 86400 * kS, kNow), 4'320'000'000);
  // Nothing known, or a "good" time after the camera's now: no bound.
  EXPECT_FALSE(camera_error_bound_ns(4'000'000, std::nullopt, kNow));
  EXPECT_FALSE(camera_error_bound_ns(4'000'000, kNow + kS, kNow));
  // A century does not overflow.
  EXPECT_EQ(camera_error_bound_ns(0, 0, 100LL * 365 * 86400 * kS), 100LL * 365 * 86400 * 50 * 1000);
}

CameraTakeContext unsynchronized() {
  CameraTakeContext c;
  c.reading = CameraReading{7'000'100'000, 184'000'000, kNow - 2 * kS, kBoot};
  c.reference.role = ReferenceRole::None;
  c.real_now_ns = kNow;
  c.this_boot_id = kBoot;
  c.max_age_ns = 1800 * kS;
  return c;
}

TEST(CameraReference, TakenOnlyWhenNothingBetterCounts) {
  CameraTakeVerdict v = judge_camera_reading(unsynchronized());
  EXPECT_EQ(v.take, CameraTake::Step);
  EXPECT_EQ(v.correction_ns, 7'000'100'000);
  CameraTakeContext c = unsynchronized();
  c.reference.role = ReferenceRole::LastResort;  // --local-stratum is a lesser last resort
  EXPECT_EQ(judge_camera_reading(c).take, CameraTake::Step);
  for (ReferenceRole k : {ReferenceRole::Measured, ReferenceRole::External}) {
    c.reference.role = k;
    EXPECT_EQ(judge_camera_reading(c).take, CameraTake::Ignore);
  }
  c.reference.role = ReferenceRole::Record;  // a phone's or the RTC's fresh record
  c.reference.source = "phone";
  EXPECT_EQ(judge_camera_reading(c).take, CameraTake::Ignore);
  c.reference.source = "rtc";
  EXPECT_EQ(judge_camera_reading(c).take, CameraTake::Ignore);
  // The camera's own record: renewed once half of --max-age has gone, not before.
  c.reference.source = kCameraSyncSource;
  c.record_ns = kNow - 600 * kS;
  c.reading.measured_unix_ns = kNow - kS;
  EXPECT_EQ(judge_camera_reading(c).take, CameraTake::Ignore);
  c.record_ns = kNow - 900 * kS;
  EXPECT_EQ(judge_camera_reading(c).take, CameraTake::Step);
}

TEST(CameraReference, OnlyAFreshBoundedReadingOfThisBoot) {
  CameraTakeContext c = unsynchronized();
  c.reading.boot_id = "00000000-0000-0000-0000-000000000000";
  EXPECT_EQ(judge_camera_reading(c).take, CameraTake::Ignore);
  c = unsynchronized();
  c.reading.measured_unix_ns = kNow - 301 * kS;
  EXPECT_EQ(judge_camera_reading(c).take, CameraTake::Ignore);
  c.reading.measured_unix_ns = kNow + kS;  // after now: the clock went back
  EXPECT_EQ(judge_camera_reading(c).take, CameraTake::Ignore);
  c = unsynchronized();
  c.record_ns = kNow - kS;  // a record made after the reading: it is stale
  EXPECT_EQ(judge_camera_reading(c).take, CameraTake::Ignore);
  c = unsynchronized();
  c.reading.bound_ns = 1'600'000'000;
  CameraTakeVerdict v = judge_camera_reading(c);
  EXPECT_EQ(v.take, CameraTake::Ignore);
  EXPECT_NE(v.why.find("beyond 1.5 s"), std::string::npos) << v.why;
}

TEST(CameraReference, AgreementIsAVerificationAndSimulationIsAllowedFor) {
  CameraTakeContext c = unsynchronized();
  c.reading.offset_ns = 100'000'000;  // within the 184 ms bound
  EXPECT_EQ(judge_camera_reading(c).take, CameraTake::Verify);
  // A simulated served clock 7 s ahead of the system clock: the camera 7 s ahead agrees with it.
  c.reading.offset_ns = 7'000'000'000;
  c.served_minus_real_ns = 7'000'000'000;
  CameraTakeVerdict v = judge_camera_reading(c);
  EXPECT_EQ(v.take, CameraTake::Verify);
  EXPECT_EQ(v.correction_ns, 0);
}

TEST(CameraReference, ServedAsCamNeverPassedOnReplacedByAPhone) {
  EXPECT_EQ(refid_for_source(kCameraSyncSource), codec::refid_from_ascii("CAM"));
  EXPECT_TRUE(phone_may_replace(kCameraSyncSource));
  TrustEvidence e;
  e.state_known = true;
  e.state_source = kCameraSyncSource;
  e.state_last_sync_ns = kNow - 60 * kS;
  e.state_boot = BootStamp{kBoot, 100 * kS};
  e.this_boot = BootStamp{kBoot, 160 * kS};
  TrustVerdict v = assess_trust(e, TrustPolicy::Auto, kNow, 1800 * kS);
  EXPECT_FALSE(v.trusted);
  EXPECT_EQ(v.reason, TrustReason::StateFromCamera);
  EXPECT_NE(explain(v, e, 1800 * kS).find("from the camera"), std::string::npos);
  e.state_source = "phone";
  EXPECT_TRUE(assess_trust(e, TrustPolicy::Auto, kNow, 1800 * kS).trusted);
}

TEST(CameraReference, TheCameraStateFileCarriesTheReading) {
  os::CameraState s;
  s.last_run_unix = 1795000000.5;
  s.result = os::CameraResult::Refused;
  s.good_unix = 1794996400;
  s.reading = CameraReading{7'000'100'000, 184'000'000, 1'795'000'000'500'000'000, kBoot};
  std::string text = os::format_camera_state(s);
  auto r = os::parse_camera_state(text, "cs");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_DOUBLE_EQ(*r->good_unix, 1794996400);
  ASSERT_TRUE(r->reading);
  EXPECT_EQ(r->reading->offset_ns, 7'000'100'000);
  EXPECT_EQ(r->reading->bound_ns, 184'000'000);
  EXPECT_EQ(r->reading->measured_unix_ns, 1'795'000'000'500'000'000);
  EXPECT_EQ(r->reading->boot_id, kBoot);
  for (
      const char* bad :
      {R"({"last_run_unix":1,"result":"refused","reading":{"offset_s":1,"bound_s":-1,"measured_unix":1,"boot_id":"4f1c2a9e-0b6d-4c1a-9f3e-2d7b8a6c5e10"}})",
       R"({"last_run_unix":1,"result":"refused","reading":{"offset_s":1,"bound_s":1,"measured_unix":1,"boot_id":"x"}})",
       R"({"last_run_unix":1,"result":"refused","reading":{"offset_s":"1","bound_s":1,"measured_unix":1,"boot_id":"4f1c2a9e-0b6d-4c1a-9f3e-2d7b8a6c5e10"}})",
       R"({"last_run_unix":1,"result":"refused","reading":[]})",
       R"({"last_run_unix":1,"result":"refused","good_unix":-5})"}) {
    EXPECT_FALSE(os::parse_camera_state(bad, "cs").ok()) << bad;
  }
  EXPECT_TRUE(os::parse_camera_state(R"({"last_run_unix":1,"result":"ok","reading":null})", "cs").ok());
}

}  // namespace
}  // namespace lansync::core
