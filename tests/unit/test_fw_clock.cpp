// Tests of the board's disciplined clock: steps, slews at 500 ppm at most, frequency, never backwards.
#include <gtest/gtest.h>

#include "firmware/board/clock.hpp"
#include "firmware/board/wide.hpp"

namespace lansync::fw {
namespace {

constexpr int64_t kT = int64_t{1'795'000'000} * 1'000'000'000;
constexpr int64_t kS = 1'000'000'000;

TEST(FwClock, UnsetShowsTheLocalCounter) {
  DisciplinedClock c;
  EXPECT_FALSE(c.is_set());
  EXPECT_EQ(c.utc_ns(12'345), 12'345);
}

TEST(FwClock, StepThenFrequency) {
  DisciplinedClock c;
  c.step(10 * kS, kT);
  EXPECT_TRUE(c.is_set());
  EXPECT_EQ(c.utc_ns(10 * kS), kT);
  EXPECT_EQ(c.utc_ns(11 * kS), kT + kS);
  // The crystal is 40 ppm slow: the clock must run 40 ppm faster than it.
  c.slew(11 * kS, 0, q32_from_ppb(40'000));
  // To the frequency's resolution, 2^-32 (0.23 ns a second).
  EXPECT_NEAR(static_cast<double>(c.utc_ns(1011 * kS) - (kT + 1001 * kS)), 40e6, 240.0);
}

TEST(FwClock, SlewsAtFiveHundredPpmAndLandsExactly) {
  DisciplinedClock c;
  c.step(0, kT);
  c.slew(0, 1'000'000, 0);  // +1 ms: 2 s at 500 ppm
  EXPECT_EQ(c.slew_left_ns(0), 1'000'000);
  int64_t half = c.utc_ns(kS) - (kT + kS);
  EXPECT_NEAR(static_cast<double>(half), 500'000.0, 1.0);
  EXPECT_EQ(c.utc_ns(3 * kS), kT + 3 * kS + 1'000'000);
  EXPECT_EQ(c.slew_left_ns(3 * kS), 0);
  c.slew(3 * kS, -2'000'000, 0);
  EXPECT_EQ(c.utc_ns(100 * kS), kT + 100 * kS - 1'000'000);
}

TEST(FwClock, NeverRunsBackwardsWhileSlewingBack) {
  DisciplinedClock c;
  c.step(0, kT);
  c.slew(0, -50'000'000, q32_from_ppb(-300'000));  // back 50 ms while 300 ppm slow
  int64_t last = c.utc_ns(0);
  for (int64_t t = 1'000'000; t < 200 * kS; t += 7'777'777) {
    int64_t u = c.utc_ns(t);
    ASSERT_GT(u, last) << t;
    last = u;
  }
}

TEST(FwClock, ANewSlewReplacesTheOldOne) {
  DisciplinedClock c;
  c.step(0, kT);
  c.slew(0, 10'000'000, 0);  // 20 s at 500 ppm
  int64_t at = 5 * kS;
  int64_t shown = c.utc_ns(at);
  c.slew(at, 0, 0);  // nothing more to do: stops where it is
  EXPECT_EQ(c.utc_ns(at), shown);
  EXPECT_EQ(c.utc_ns(at + kS), shown + kS);
  EXPECT_EQ(c.slew_left_ns(at), 0);
}

TEST(FwClock, FrequencyIsClamped) {
  DisciplinedClock c;
  c.step(0, kT);
  c.slew(0, 0, q32_from_ppb(5'000'000));
  EXPECT_EQ(c.freq_q32(), kMaxFreqQ32);
}

}  // namespace
}  // namespace lansync::fw
