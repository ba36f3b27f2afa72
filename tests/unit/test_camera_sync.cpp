// Unit tests of the camera clock procedure (flow/camera_sync) with a fake clock
// and a fake camera: what it sets, when it sends, how well the camera ends up.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "../support/fake_clock.hpp"
#include "../support/seed.hpp"
#include "flow/camera_sync.hpp"

namespace lansync::os {
namespace {

using lansync::testing::FakeClock;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kJul15_2026 = 1'784'073'600 * kS;  // 2026-07-15 00:00:00 UTC

int64_t floor_s(int64_t ns) { return ns >= 0 ? ns / kS : (ns - kS + 1) / kS; }

// A camera whose clock runs at local + offset_ns; each request advances the
// fake clock by its round trip, the camera acting at request_ns into it.
class FakeCamera final : public CameraLink {
 public:
  FakeCamera(FakeClock& clock, int64_t initial_offset_ns) : clock_(clock), offset_ns(initial_offset_ns) {}

  Status check_supported() override {
    if (busy_on_check > 0) {
      --busy_on_check;
      clock_.advance(rtt_ns);
      return fail(Error{CameraErrc::busy, "camera busy (GET /ccapi, HTTP 503): " + busy_message});
    }
    return ok();
  }

  OsResult<CameraDateTime> read_datetime() override {
    ++reads;
    if (busy > 0) {
      --busy;
      clock_.advance(rtt_ns);
      return fail(Error{CameraErrc::busy, "camera busy (reading the date, HTTP 503): " + busy_message});
    }
    clock_.advance(request_ns());
    int64_t cam_s = floor_s(clock_.now_ns() + offset_ns);
    clock_.advance(rtt_ns - request_ns());
    CameraDateTime dt;
    dt.date = *codec::ccapi_date_from_unix(cam_s, zone_min, dst);
    dt.dst = dst;
    char text[40];
    dt.text.assign(text, *codec::format_ccapi_date(dt.date, text, sizeof(text)));
    return dt;
  }

  Status write_datetime(const codec::CcapiDate& date, bool new_dst) override {
    ++writes;
    if (busy_on_write > 0) {
      --busy_on_write;
      clock_.advance(rtt_ns);
      return fail(Error{CameraErrc::busy, "camera busy (setting the date, HTTP 503): " + busy_message});
    }
    clock_.advance(request_ns());
    // Like an RTC: the new second starts now.
    offset_ns = *codec::ccapi_date_to_unix(date, new_dst) * kS - clock_.now_ns();
    zone_min = date.zone_min;
    dst = new_dst;
    written.push_back(date);
    clock_.advance(rtt_ns - request_ns());
    return ok();
  }

  int64_t request_ns() const { return request_delay_ns >= 0 ? request_delay_ns : rtt_ns / 2; }

  FakeClock& clock_;
  int64_t offset_ns;
  int64_t rtt_ns = 20 * kMs;
  int64_t request_delay_ns = -1;  // < 0: half the round trip
  int16_t zone_min = 60;
  bool dst = true;
  int busy = 0;
  int busy_on_write = 0;
  int busy_on_check = 0;
  std::string busy_message = "Device busy";
  int reads = 0;
  int writes = 0;
  std::vector<codec::CcapiDate> written;
};

struct Rig {
  explicit Rig(int64_t now_ns, int64_t camera_offset_ns) : clock(now_ns), camera(clock, camera_offset_ns) {}
  flow::SyncReport run(flow::SyncOptions o = {}) {
    if (o.tz.empty()) o.tz = "Europe/Berlin";
    flow::CameraSync sync(clock, camera);
    return sync.run(o);
  }
  FakeClock clock;
  FakeCamera camera;
};

TEST(CameraSync, SetsACameraFiveSecondsBehindOnTheSecondAndVerifies) {
  Rig rig(kJul15_2026 + 12 * 3600 * kS + 437 * kMs, -5'000 * kMs + 123 * kMs);
  flow::SyncReport r = rig.run();
  ASSERT_FALSE(r.error) << r.error->message;
  ASSERT_TRUE(r.before);
  EXPECT_NEAR(static_cast<double>(r.before->offset_ns), -4'877.0 * kMs,
              static_cast<double>(r.before->uncertainty_ns));
  EXPECT_LE(r.before->uncertainty_ns, 25 * kMs);  // about a round trip, not a second
  EXPECT_LE(r.before->readings, 30);              // and not many requests for it
  EXPECT_EQ(r.action, flow::SyncAction::Set);
  ASSERT_EQ(rig.camera.written.size(), 1u);
  // Berlin in July: wall clock 14:00:xx, standard zone +0100, dst.
  EXPECT_EQ(r.sent.substr(0, 23), "Wed, 15 Jul 2026 14:00:");
  EXPECT_EQ(r.sent.substr(25), " +0100");
  EXPECT_TRUE(r.sent_dst);
  EXPECT_TRUE(rig.camera.dst);
  // Sent half a round trip before the second, it arrived as the second began.
  EXPECT_LE(std::llabs(rig.camera.offset_ns), kMs) << rig.camera.offset_ns;
  ASSERT_TRUE(r.after);
  EXPECT_TRUE(r.verified);
  EXPECT_LE(std::llabs(r.after->offset_ns), r.after->uncertainty_ns + kMs);
  EXPECT_LE(r.after->uncertainty_ns, 25 * kMs);
}

TEST(CameraSync, CorrectsHalfTheRoundTripOfASlowCamera) {
  // A slow camera (200 ms round trip): the correction matters, and is made.
  Rig rig(kJul15_2026 + 3 * kS, 7'300 * kMs);
  rig.camera.rtt_ns = 200 * kMs;
  flow::SyncReport r = rig.run();
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(r.action, flow::SyncAction::Set);
  EXPECT_LE(std::llabs(rig.camera.offset_ns), kMs) << "camera off by " << rig.camera.offset_ns << " ns";
  EXPECT_TRUE(r.verified);
}

TEST(CameraSync, AsymmetricPathsLeaveHalfTheAsymmetry) {
  // Request 30 ms, reply 10 ms: half the difference (10 ms) is the floor.
  Rig rig(kJul15_2026 + 500 * kMs, 3'000 * kMs);
  rig.camera.rtt_ns = 40 * kMs;
  rig.camera.request_delay_ns = 30 * kMs;
  flow::SyncReport r = rig.run();
  ASSERT_FALSE(r.error);
  EXPECT_NEAR(static_cast<double>(rig.camera.offset_ns), -10.0 * kMs, 1.0 * kMs);
  EXPECT_TRUE(r.verified);
}

TEST(CameraSync, LeavesACameraWithinTheThresholdAlone) {
  Rig rig(kJul15_2026 + 100 * kMs, 400 * kMs);
  flow::SyncReport r = rig.run();
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.action, flow::SyncAction::None);
  EXPECT_TRUE(r.verified);
  EXPECT_EQ(rig.camera.writes, 0);
  EXPECT_FALSE(r.after);
}

TEST(CameraSync, SetsACameraInAnotherZoneEvenWhenItsUtcIsRight) {
  Rig rig(kJul15_2026 + 100 * kMs, 0);
  rig.camera.zone_min = 9 * 60;  // a camera still on Tokyo time
  rig.camera.dst = false;
  flow::SyncReport r = rig.run();
  ASSERT_FALSE(r.error);
  EXPECT_TRUE(r.zone_differs);
  EXPECT_EQ(r.action, flow::SyncAction::Set);
  EXPECT_EQ(rig.camera.zone_min, 60);
  EXPECT_TRUE(rig.camera.dst);
}

TEST(CameraSync, DryRunOnlyMeasures) {
  Rig rig(kJul15_2026, -5 * kS);
  flow::SyncOptions o;
  o.dry_run = true;
  flow::SyncReport r = rig.run(o);
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.action, flow::SyncAction::DryRun);
  EXPECT_EQ(rig.camera.writes, 0);
  EXPECT_FALSE(r.verified);
}

TEST(CameraSync, WaitsOutABusyCamera) {
  Rig rig(kJul15_2026, -5 * kS);
  rig.camera.busy_on_check = 1;
  rig.camera.busy = 1;
  rig.camera.busy_on_write = 1;
  int64_t start = rig.clock.now_ns();
  flow::SyncReport r = rig.run();
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(r.busy_waits, 3);
  EXPECT_TRUE(r.verified);
  // Pauses of 1, 2 and 4 s.
  EXPECT_GE(rig.clock.now_ns() - start, 7 * kS);
}

TEST(CameraSync, GivesUpOnACameraThatStaysBusy) {
  Rig rig(kJul15_2026, -5 * kS);
  rig.camera.busy = 100;
  rig.camera.busy_message = "During shooting or recording";
  flow::SyncOptions o;
  o.retries = 2;
  flow::SyncReport r = rig.run(o);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, CameraErrc::busy);
  EXPECT_NE(r.error->message.find("During shooting or recording"), std::string::npos);
  EXPECT_EQ(r.busy_waits, 2);
  EXPECT_EQ(rig.camera.reads, 3);
  EXPECT_EQ(rig.camera.writes, 0);
}

TEST(CameraSync, AStoppedCameraClockIsReported) {
  // A camera whose clock does not advance: offset falls back by the elapsed time.
  struct Stopped final : CameraLink {
    explicit Stopped(FakeClock& c) : clock(c) {}
    OsResult<CameraDateTime> read_datetime() override {
      clock.advance(10 * kMs);
      CameraDateTime dt;
      dt.date = *codec::ccapi_date_from_unix(1'546'273'425, 540, false);
      return dt;
    }
    Status write_datetime(const codec::CcapiDate&, bool) override { return ok(); }
    FakeClock& clock;
  };
  FakeClock clock(kJul15_2026);
  Stopped camera(clock);
  flow::CameraSync sync(clock, camera);
  auto m = sync.measure();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, CameraErrc::inconsistent);
}

// A camera 0.3 s ahead changes its second at local .700: the first change is found by the coarse
// readings, the next (1.7 s) by the dense ones, and the offset is said to be measured there.
TEST(CameraSync, TheOffsetIsMeasuredWhereTheSecondLastChanged) {
  FakeClock clock(kJul15_2026);
  FakeCamera camera(clock, 300 * kMs);
  flow::CameraSync sync(clock, camera);
  auto m = sync.measure();
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_NEAR(static_cast<double>(m->offset_ns), 300.0 * kMs, static_cast<double>(m->uncertainty_ns) + 1);
  EXPECT_NEAR(static_cast<double>(m->at_ns - kJul15_2026), 1700.0 * kMs, static_cast<double>(camera.rtt_ns));
}

TEST(CameraSync, RandomCamerasEndUpWithinAMillisecond) {
  auto rng = lansync::testing::seeded_rng();
  std::uniform_int_distribution<int64_t> offset_d(-3600 * kS, 3600 * kS);
  std::uniform_int_distribution<int64_t> phase_d(0, kS - 1);
  std::uniform_int_distribution<int64_t> rtt_d(1 * kMs, 150 * kMs);
  for (int i = 0; i < 200; ++i) {
    Rig rig(kJul15_2026 + phase_d(rng), offset_d(rng));
    rig.camera.rtt_ns = rtt_d(rng);
    flow::SyncReport r = rig.run();
    ASSERT_FALSE(r.error) << r.error->message;
    ASSERT_TRUE(r.before);
    if (r.action == flow::SyncAction::Set) {
      ASSERT_LE(std::llabs(rig.camera.offset_ns), kMs) << "rtt " << rig.camera.rtt_ns;
      ASSERT_TRUE(r.verified);
      ASSERT_LE(std::llabs(r.after->offset_ns - rig.camera.offset_ns), r.after->uncertainty_ns + 1);
    }
  }
}

}  // namespace
}  // namespace lansync::os
