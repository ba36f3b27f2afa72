// Unit tests of correcting the clock through the Clock interface, with a fake (flow/set_clock).
#include <gtest/gtest.h>

#include "../support/fake_clock.hpp"
#include "../support/temp_dir.hpp"
#include "flow/set_clock.hpp"
#include "os/file_sync_state.hpp"

namespace lansync::os {
namespace {

constexpr int64_t kMs = 1'000'000;

struct SetClockTest : ::testing::Test {
  testing::FakeClock clock;
  testing::TempDir dir;
  std::string state = (dir.path() / "sync-state.json").string();

  flow::ClockCorrection correction(int64_t offset_ns) {
    flow::ClockCorrection c;
    c.offset_ns = offset_ns;
    c.step_threshold_ns = 1000 * kMs;
    c.source = "ntp:127.0.0.1";
    c.uncertainty_ns = 2 * kMs;
    return c;
  }
};

TEST_F(SetClockTest, LargeOffsetIsStepped) {
  int64_t before = clock.now_ns();
  auto r = flow::correct_clock(clock, correction(2500 * kMs), state);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, core::Correction::Step);
  ASSERT_EQ(clock.steps.size(), 1u);
  EXPECT_EQ(clock.steps[0], 2500 * kMs);
  EXPECT_TRUE(clock.slews.empty());
  auto s = read_sync_state(state);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->source, "ntp:127.0.0.1");
  EXPECT_DOUBLE_EQ(s->offset_s, 2.5);
  EXPECT_DOUBLE_EQ(*s->uncertainty_s, 0.002);
  EXPECT_EQ(*s->action, "step");
  // Recorded at the corrected time.
  EXPECT_NEAR(s->last_sync_unix, static_cast<double>(before + 2500 * kMs) / 1e9, 1e-6);
}

TEST_F(SetClockTest, SmallOffsetIsSlewed) {
  auto r = flow::correct_clock(clock, correction(-300 * kMs), state);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, core::Correction::Slew);
  EXPECT_TRUE(clock.steps.empty());
  ASSERT_EQ(clock.slews.size(), 1u);
  EXPECT_EQ(clock.slews[0], -300 * kMs);
  EXPECT_EQ(*read_sync_state(state)->action, "slew");
}

TEST_F(SetClockTest, ThresholdIsExclusive) {
  EXPECT_EQ(*flow::correct_clock(clock, correction(1000 * kMs), state), core::Correction::Slew);
  EXPECT_EQ(*flow::correct_clock(clock, correction(-1001 * kMs), state), core::Correction::Step);
}

TEST_F(SetClockTest, NoSlewLeavesTheClockButRecordsTheCheck) {
  flow::ClockCorrection c = correction(300 * kMs);
  c.allow_slew = false;
  auto r = flow::correct_clock(clock, c, state);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, core::Correction::None);
  EXPECT_TRUE(clock.steps.empty());
  EXPECT_TRUE(clock.slews.empty());
  EXPECT_EQ(*read_sync_state(state)->action, "none");
}

// A phone that agrees: the clock is left alone, the record says "verified", with the zone sent.
TEST_F(SetClockTest, AVerificationRecordsWithoutTouchingTheClock) {
  flow::ClockCorrection c = correction(-12 * kMs);
  c.source = "phone";
  c.time_zone = "America/Santiago";
  int64_t before = clock.now_ns();
  ASSERT_TRUE(flow::record_verification(clock, c, state).ok());
  EXPECT_TRUE(clock.steps.empty());
  EXPECT_TRUE(clock.slews.empty());
  auto s = read_sync_state(state);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->source, "phone");
  EXPECT_EQ(*s->action, "verified");
  EXPECT_DOUBLE_EQ(s->offset_s, -0.012);
  EXPECT_DOUBLE_EQ(*s->uncertainty_s, 0.002);
  EXPECT_EQ(*s->time_zone, "America/Santiago");
  EXPECT_NEAR(s->last_sync_unix, static_cast<double>(before) / 1e9, 1e-6);
  EXPECT_FALSE(s->boot_id.empty());
}

// sntpd's kernel PLL corrects the clock itself: the record says so, and nothing is applied here.
TEST_F(SetClockTest, ACorrectionMadeElsewhereIsRecordedAsIs) {
  flow::ClockCorrection c = correction(3 * kMs);
  c.stratum = 2;
  ASSERT_TRUE(flow::record_correction(clock, c, "slew", state).ok());
  EXPECT_TRUE(clock.steps.empty());
  EXPECT_TRUE(clock.slews.empty());
  auto s = read_sync_state(state);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->source, "ntp:127.0.0.1");
  EXPECT_EQ(*s->action, "slew");
  EXPECT_DOUBLE_EQ(s->offset_s, 0.003);
  EXPECT_DOUBLE_EQ(*s->uncertainty_s, 0.002);
  EXPECT_EQ(*s->stratum, 2);
  EXPECT_FALSE(s->boot_id.empty());
}

TEST_F(SetClockTest, FailedStepWritesNoState) {
  clock.fail_changes = true;
  auto r = flow::correct_clock(clock, correction(2500 * kMs), state);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cannot step"), std::string::npos);
  EXPECT_FALSE(read_sync_state(state).ok());
}

}  // namespace
}  // namespace lansync::os
