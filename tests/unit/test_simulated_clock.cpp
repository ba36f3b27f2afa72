// Unit tests of the simulated clock (os/clock_simulated): the base clock plus
// an offset that steps and slews move, the base clock never touched.
#include <gtest/gtest.h>

#include "../support/fake_clock.hpp"
#include "../support/temp_dir.hpp"
#include "flow/set_clock.hpp"
#include "os/clock_simulated.hpp"
#include "os/file_sync_state.hpp"

namespace lansync::os {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kS = 1'000'000'000;

struct SimulatedClockTest : ::testing::Test {
  testing::FakeClock base;
  SimulatedClock clock{base, -5 * kS, [this] { return base.monotonic_ns(); }};
};

TEST_F(SimulatedClockTest, StartsOffTheBaseClock) {
  EXPECT_EQ(clock.now_ns(), base.now_ns() - 5 * kS);
  EXPECT_EQ(clock.offset_ns(), -5 * kS);
  // A kernel timestamp (system clock) lands on the simulated scale.
  EXPECT_EQ(clock.from_system_ns(base.now_ns() - 3 * kMs), base.now_ns() - 3 * kMs - 5 * kS);
  base.advance(10 * kS);
  EXPECT_EQ(clock.now_ns(), base.now_ns() - 5 * kS);
}

TEST_F(SimulatedClockTest, StepMovesOnlyTheSimulatedClock) {
  ASSERT_TRUE(clock.step(5 * kS).ok());
  EXPECT_EQ(clock.now_ns(), base.now_ns());
  EXPECT_TRUE(base.steps.empty());
  EXPECT_TRUE(base.slews.empty());
}

TEST_F(SimulatedClockTest, SlewMovesAt500Ppm) {
  ASSERT_TRUE(clock.slew(10 * kMs).ok());
  EXPECT_EQ(clock.offset_ns(), -5 * kS);
  base.advance(10 * kS);  // 5 ms at 500 ppm
  EXPECT_EQ(clock.offset_ns(), -5 * kS + 5 * kMs);
  EXPECT_EQ(clock.sync_status()->offset_ns, 5 * kMs);  // still to go
  base.advance(100 * kS);                              // done after 20 s, then it stops
  EXPECT_EQ(clock.offset_ns(), -5 * kS + 10 * kMs);
  EXPECT_EQ(clock.sync_status()->offset_ns, 0);
  EXPECT_TRUE(base.slews.empty());
}

TEST_F(SimulatedClockTest, NegativeSlewAndReplacement) {
  ASSERT_TRUE(clock.slew(-10 * kMs).ok());
  base.advance(4 * kS);                   // -2 ms done
  ASSERT_TRUE(clock.slew(1 * kMs).ok());  // replaces the rest, as adjtime() does
  base.advance(100 * kS);
  EXPECT_EQ(clock.offset_ns(), -5 * kS - 2 * kMs + 1 * kMs);
}

TEST_F(SimulatedClockTest, StepDuringASlewKeepsTheSlewGoing) {
  ASSERT_TRUE(clock.slew(10 * kMs).ok());
  base.advance(10 * kS);  // 5 ms done
  ASSERT_TRUE(clock.step(5 * kS).ok());
  EXPECT_EQ(clock.offset_ns(), 5 * kMs);
  base.advance(100 * kS);
  EXPECT_EQ(clock.offset_ns(), 10 * kMs);
}

TEST_F(SimulatedClockTest, UnsynchronizedUntilDisciplined) {
  base.status.synchronized = true;  // whatever the real kernel says
  auto s = clock.sync_status();
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->synchronized);
  int64_t start = clock.offset_ns();
  ASSERT_TRUE(clock.discipline(1000, 10 * kMs, 1 * kMs).ok());  // 1000 ppm: 1 ms a second
  s = clock.sync_status();
  EXPECT_TRUE(s->synchronized);
  EXPECT_EQ(s->max_error_ns, 10 * kMs);
  base.advance(2 * kS);  // the maximum error grows at 500 ppm, the clock runs 1000 ppm fast
  s = clock.sync_status();
  EXPECT_EQ(s->max_error_ns, 11 * kMs);
  EXPECT_EQ(clock.offset_ns() - start, 2 * kMs);
  EXPECT_DOUBLE_EQ(s->frequency_ppm, 1000);
  EXPECT_TRUE(base.disciplines.empty());
  ASSERT_TRUE(clock.discipline(0, 10 * kMs, 1 * kMs).ok());  // what it gained stays
  base.advance(5 * kS);
  EXPECT_EQ(clock.offset_ns() - start, 2 * kMs);
  EXPECT_FALSE(clock.discipline(200'000, 0, 0).ok());  // beyond what the tick allows
}

// The phone flow's correction, through correct_clock: the record is on the
// simulated time scale, the real clock untouched.
TEST_F(SimulatedClockTest, CorrectClockRecordsTheSimulatedTime) {
  testing::TempDir dir;
  std::string state = (dir.path() / "sync-state.json").string();
  flow::ClockCorrection c;
  c.offset_ns = 5 * kS;
  c.source = "phone";
  c.uncertainty_ns = 2 * kMs;
  c.allow_slew = false;
  auto r = flow::correct_clock(clock, c, state);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, core::Correction::Step);
  EXPECT_EQ(clock.offset_ns(), 0);
  EXPECT_TRUE(base.steps.empty());
  auto s = read_sync_state(state);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->source, "phone");
  EXPECT_DOUBLE_EQ(s->last_sync_unix, static_cast<double>(base.now_ns()) / 1e9);
  EXPECT_DOUBLE_EQ(*s->uncertainty_s, 0.002);
}

}  // namespace
}  // namespace lansync::os
