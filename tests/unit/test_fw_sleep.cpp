// Tests of deep sleep (firmware/board/sleep, Board::save / Board::wake): the record survives RTC
// memory, garbage is rejected, the error bound grows at the sleep timer's tolerance and holds the
// truth on waking (simulated, printed seed), bursts on waking, and sleeps beyond max_error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>

#include "firmware/board/board.hpp"
#include "firmware/board/sleep.hpp"
#include "firmware/sim/world.hpp"
#include "seed.hpp"

namespace lansync::fw {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kMin = 60 * kS;

BoardConfig sleep_config(sim::World& w) {
  BoardConfig c = w.board_config();
  c.use_server = true;
  c.server_refid = 0xC0A80401;
  return c;
}

// A board synchronized over a quiet 0.5 ms path (or Wi-Fi), after ten minutes awake.
struct Synced {
  sim::Oscillator crystal{25.0, 30 * 3600 * kS};
  sim::World world;
  explicit Synced(uint64_t seed = 1, bool wifi = false) : world(config(seed, wifi), crystal) {
    world.start_board(sleep_config(world));
    world.run_until(10 * kMin);
  }
  static sim::WorldConfig config(uint64_t seed, bool wifi) {
    sim::WorldConfig wc;
    wc.seed = seed;
    wc.delay = wifi ? sim::wifi_delay(sim::WifiDelay{}) : sim::fixed_delay(500'000, 500'000);
    return wc;
  }
};

void expect_honest(sim::World& w, const char* when) {
  Reading r = w.reading();
  ASSERT_TRUE(r.synchronized) << when;
  EXPECT_LE(std::llabs(w.error_ns()), r.error_ns) << when << " at " << w.true_ns() / kS << " s";
}

TEST(FwSleep, TheRecordSurvivesASaveAndRestoreThroughRtcMemory) {
  Synced s;
  Board& before = s.world.board();
  int64_t at = s.world.local_ns();
  Reading r0 = before.now(at);
  int64_t freq0 = before.status(at).freq_ppb;
  SleepRecord saved = before.save(at);
  ASSERT_TRUE(sleep_record_sealed(saved));
  // RTC memory holds bytes: copy out and back, as RTC_DATA_ATTR or rtcUserMemory do.
  uint8_t rtc_memory[sizeof(SleepRecord)];
  std::memcpy(rtc_memory, &saved, sizeof(saved));
  SleepRecord loaded;
  std::memcpy(&loaded, rtc_memory, sizeof(loaded));
  BoardConfig c = sleep_config(s.world);
  Board after(c);
  ASSERT_EQ(after.wake(loaded, 0, 0), WakeResult::Restored);
  Reading r1 = after.now(0);
  EXPECT_TRUE(r1.synchronized);
  EXPECT_EQ(r1.source, Source::Ntp);
  EXPECT_NEAR(static_cast<double>(r1.utc_ns), static_cast<double>(r0.utc_ns), 2.0 * static_cast<double>(kMs));
  EXPECT_LE(r1.error_ns, r0.error_ns + c.sleep_read_error_ns);
  EXPECT_EQ(after.status(0).freq_ppb, freq0);
}

TEST(FwSleep, ACorruptedRecordIsRejectedAndTheBoardStartsAsAfterAPowerCut) {
  Synced s;
  SleepRecord good = s.world.board().save(s.world.local_ns());
  std::mt19937_64 rng = testing::seeded_rng();
  BoardConfig c = sleep_config(s.world);
  auto expect_rejected = [&](const SleepRecord& r, const char* what) {
    Board b(c);
    EXPECT_EQ(b.wake(r, 10 * kS, 0), WakeResult::Rejected) << what;
    EXPECT_FALSE(b.now(0).synchronized) << what;
    EXPECT_EQ(b.now(0).source, Source::None) << what;
    Action a = b.next_action(0);
    EXPECT_EQ(a.kind, ActionKind::SendNtp) << what << ": polls at once, as at boot";
  };
  for (size_t i = 0; i < sizeof(SleepRecord); ++i) {
    SleepRecord r = good;
    auto* bytes = reinterpret_cast<uint8_t*>(&r);
    bytes[i] ^= static_cast<uint8_t>(1u << (rng() % 8));
    expect_rejected(r, "one bit flipped");
  }
  for (int i = 0; i < 200; ++i) {
    SleepRecord r;
    auto* bytes = reinterpret_cast<uint8_t*>(&r);
    for (size_t k = 0; k < sizeof(r); ++k) bytes[k] = static_cast<uint8_t>(rng());
    expect_rejected(r, "random bytes (a power cut)");
  }
  SleepRecord zeros;
  expect_rejected(zeros, "zeroed RTC memory");
  SleepRecord other_version = good;
  other_version.version = kSleepVersion + 1;
  seal_sleep_record(&other_version);  // seal writes the current version back ...
  other_version.version = kSleepVersion + 1;
  expect_rejected(other_version, "another layout");
  SleepRecord implausible = good;
  implausible.error_ns = -1;
  seal_sleep_record(&implausible);  // ... but a sealed record must still make sense
  expect_rejected(implausible, "a negative error bound");
  implausible = good;
  implausible.timer_clock_var_ns2 = -1;
  seal_sleep_record(&implausible);
  expect_rejected(implausible, "a negative variance of the clock");
  implausible = good;
  implausible.timer_rate_ppb = 200'000'000;
  seal_sleep_record(&implausible);
  expect_rejected(implausible, "a sleep timer 20 % off");
  Board b(c);
  EXPECT_EQ(b.wake(good, -1, 0), WakeResult::Rejected) << "a negative sleep";
}

TEST(FwSleep, UntaughtTheBoundGrowsWithTheSleepAtTheSleepTimersTolerance) {
  Synced s;
  SleepRecord r = s.world.board().save(s.world.local_ns());
  for (int64_t ppm : {500, 50}) {
    BoardConfig c = sleep_config(s.world);
    c.sleep_drift_ppb = ppm * 1000;
    for (int64_t slept : {10 * kS, 60 * kS, 10 * kMin}) {
      Board b(c);
      ASSERT_EQ(b.wake(r, slept, 0), WakeResult::Restored);
      // Nothing learned yet: the tolerance, plus its second-order term (true = measured / (1 + e),
      // and 1 / (1 + e) is 1 - e + e^2 ...) and 1 ppb of rounding.
      int64_t bound_ppb = ppm * 1000 + ppm * ppm / 1000 + 1;
      EXPECT_EQ(b.now(0).error_ns, r.error_ns + slept / 1'000'000'000 * bound_ppb + c.sleep_read_error_ns)
          << ppm << " ppm, " << slept / kS << " s";
      EXPECT_EQ(b.now(0).utc_ns, r.utc_ns + slept);
    }
  }
}

TEST(FwSleep, NowRightAfterWakeHoldsTheTrueTimeWithinTheBound) {
  // The sleep timer anywhere within the tolerance, its rate moving as a temperature would: by up
  // to the board's assumed wander (20 ppm an hour) either way between sleeps of 1 s to 15 min.
  std::mt19937_64 rng = testing::seeded_rng();
  Synced s(rng(), true);
  sim::World& w = s.world;
  std::uniform_real_distribution<double> start_ppm(-450, 450), step(-1, 1);
  std::uniform_int_distribution<int64_t> sleep_s(1, 900), awake_ms(100, 20'000);
  double ppm = start_ppm(rng);
  int64_t worst = 0;
  for (int cycle = 0; cycle < 150 && w.true_ns() < 29 * 3600 * kS; ++cycle) {
    int64_t sleep = sleep_s(rng) * kS;
    double hours = static_cast<double>(sleep) / 3600e9;
    ppm = std::clamp(ppm + step(rng) * 20 * hours, -499.0, 499.0);
    // Two long sleeps in a row while the filter is not trusted may pass max_error: the bound
    // then says unsynchronized, and still holds the truth.
    auto holds = [&](const char* when) {
      EXPECT_LE(std::llabs(w.error_ns()), w.reading().error_ns) << when << " at " << w.true_ns() / kS << " s";
    };
    ASSERT_EQ(w.deep_sleep(sleep, ppm), WakeResult::Restored);
    holds("on waking");
    worst = std::max<int64_t>(worst, std::llabs(w.error_ns()));
    w.run_until(w.true_ns() + awake_ms(rng) * kMs);
    holds("awake");
  }
  std::printf("worst |error| on waking: %.3f ms\n", static_cast<double>(worst) / 1e6);
}

// The timer at +200 ppm (ESP32-like), 60 s sleeps and 5 s awake: the board learns the rate,
// and the bound on waking, which starts at the tolerance, shrinks to what the rate's
// uncertainty allows, the truth inside it at every wake.
TEST(FwSleep, TheSleepTimersRateIsLearnedAndTheBoundShrinksWithIt) {
  std::mt19937_64 rng = testing::seeded_rng();
  Synced s(rng(), true);
  sim::World& w = s.world;
  BoardConfig c = sleep_config(w);
  int64_t first_growth = 0;
  int64_t least_growth = 0;  // over the last 30 wakes: a burst lost in the Wi-Fi's tail may
                             // cost the filter its trust for a few wakes
  for (int cycle = 0; cycle < 60; ++cycle) {
    int64_t before = w.reading().error_ns;
    ASSERT_EQ(w.deep_sleep(60 * kS, 200), WakeResult::Restored);
    expect_honest(w, "on waking");
    int64_t growth = w.reading().error_ns - before;
    if (cycle == 0) first_growth = growth;
    if (cycle == 30 || (cycle > 30 && growth < least_growth)) least_growth = growth;
    w.run_until(w.true_ns() + 5 * kS);
    expect_honest(w, "awake");
  }
  BoardStatus st = w.board().status(w.local_ns());
  // true = measured / (1 + 200 ppm): the rate is -199.96 ppm.
  double rate_ppm = static_cast<double>(st.sleep_rate_ppb) / 1e3;
  double sd_ppm = static_cast<double>(st.sleep_rate_sd_ppb) / 1e3;
  std::printf(
      "learned %.2f ppm +- %.2f from %u wakes; bound on waking grew %.3f ms at least, first %.3f ms\n",
      rate_ppm, sd_ppm, st.sleep_readings, static_cast<double>(least_growth) / 1e6,
      static_cast<double>(first_growth) / 1e6);
  EXPECT_GE(st.sleep_readings, 50u);
  // sd is the filter's own; the trend the rate is extrapolated along is not in it (a few ppm
  // over the hour the test runs), and the tolerance is 500 ppm.
  EXPECT_NEAR(rate_ppm, -199.96, 3 * sd_ppm + 25);
  EXPECT_GE(first_growth, 60 * (c.sleep_drift_ppb / 1000) * 1000);  // 60 s at the tolerance, in ns
  EXPECT_LT(least_growth, first_growth / 10);
}

// A timer warming through the day: its rate moves 35 ppm an hour (a daily swing of 150 ppm at
// its steepest), 60 s sleeps and 5 s awake for three hours.  The filter learns the trend: the rate
// it holds at the end is the timer's within three of its own standard deviations, and the bound
// holds the truth at every wake.
TEST(FwSleep, ARateThatMovesWithTheTemperatureIsFollowedAlongItsTrend) {
  std::mt19937_64 rng = testing::seeded_rng();
  Synced s(rng(), true);
  sim::World& w = s.world;
  double ppm = 100;
  constexpr double kPpmPerHour = 35;
  for (int cycle = 0; cycle < 166; ++cycle) {
    int64_t start_ns = w.true_ns();
    ppm += kPpmPerHour * 30.0 / 3600;  // the rate in the middle of this sleep
    ASSERT_EQ(w.deep_sleep(60 * kS, ppm), WakeResult::Restored);
    expect_honest(w, "on waking");
    ppm += kPpmPerHour * static_cast<double>(w.true_ns() + 5 * kS - start_ns - 30 * kS) / 3600e9;
    w.run_until(w.true_ns() + 5 * kS);
    expect_honest(w, "awake");
  }
  BoardStatus st = w.board().status(w.local_ns());
  double rate_ppm = static_cast<double>(st.sleep_rate_ppb) / 1e3;
  double sd_ppm = static_cast<double>(st.sleep_rate_sd_ppb) / 1e3;
  // true = measured / (1 + e): the rate is -e / (1 + e).
  double truth_ppm = -ppm / (1 + ppm * 1e-6);
  std::printf("timer at %.2f ppm after three hours: learned %.2f +- %.2f ppm, trusted %d\n", truth_ppm,
              rate_ppm, sd_ppm, st.sleep_trusted ? 1 : 0);
  EXPECT_TRUE(st.sleep_trusted);
  EXPECT_NEAR(rate_ppm, truth_ppm, 3 * sd_ppm);
}

// A timer that jumps (the board moved from the sun into the shade): the wake after the jump
// finds the clock beyond the filter's expectation, the filter is no longer trusted, and the
// bound falls back to the tolerance until wakes agree with it again; the truth is inside it.
TEST(FwSleep, ATimerThatJumpsIsCaughtAndTheBoundFallsBackToTheTolerance) {
  std::mt19937_64 rng = testing::seeded_rng();
  Synced s(rng(), true);
  sim::World& w = s.world;
  for (int cycle = 0; cycle < 120 && !w.board().status(w.local_ns()).sleep_trusted; ++cycle) {
    ASSERT_EQ(w.deep_sleep(60 * kS, 100), WakeResult::Restored);
    w.run_until(w.true_ns() + 5 * kS);
  }
  ASSERT_TRUE(w.board().status(w.local_ns()).sleep_trusted);
  // -300 ppm from now on: 24 ms in a minute the filter does not expect.
  ASSERT_EQ(w.deep_sleep(60 * kS, -300), WakeResult::Restored);
  w.run_until(w.true_ns() + 5 * kS);
  EXPECT_FALSE(w.board().status(w.local_ns()).sleep_trusted);
  expect_honest(w, "after the burst that caught the jump");
  bool trusted_again = false;
  for (int cycle = 0; cycle < 40; ++cycle) {
    ASSERT_EQ(w.deep_sleep(60 * kS, -300), WakeResult::Restored);
    expect_honest(w, "on waking after the jump");
    w.run_until(w.true_ns() + 5 * kS);
    expect_honest(w, "awake after the jump");
    trusted_again = trusted_again || w.board().status(w.local_ns()).sleep_trusted;
  }
  EXPECT_TRUE(trusted_again);
}

TEST(FwSleep, ABurstIsSentOnWakingWhenTheBoundIsBeyondTheThreshold) {
  Synced s;
  sim::World& w = s.world;
  // 60 s at 500 ppm: 30 ms, beyond 10 ms, and min_poll has passed: at once.
  ASSERT_EQ(w.deep_sleep(60 * kS, 100), WakeResult::Restored);
  EXPECT_GT(w.reading().error_ns, 10 * kMs);
  EXPECT_EQ(w.board().next_action(w.local_ns()).kind, ActionKind::SendNtp);
  w.run_until(w.true_ns() + 3 * kS);
  expect_honest(w, "after the burst");
  EXPECT_LT(w.reading().error_ns, 2 * kMs);
  EXPECT_LT(std::llabs(w.error_ns()), 1 * kMs);
  // 2 s later: 1 ms more, within the threshold: the schedule it had, no burst now.
  ASSERT_EQ(w.deep_sleep(2 * kS, 100), WakeResult::Restored);
  EXPECT_LT(w.reading().error_ns, 10 * kMs);
  EXPECT_EQ(w.board().next_action(w.local_ns()).kind, ActionKind::Wait);
  // 30 s more: beyond the threshold again (15 ms), but the last burst began
  // 3 + 2 + 30 s ago, less than min_poll (64 s): the burst waits for the budget.
  ASSERT_EQ(w.deep_sleep(30 * kS, 100), WakeResult::Restored);
  EXPECT_GT(w.reading().error_ns, 10 * kMs);
  Action a = w.board().next_action(w.local_ns());
  EXPECT_EQ(a.kind, ActionKind::Wait);
  EXPECT_GT(a.at_local_ns, w.local_ns());
  uint32_t sent = w.requests();
  w.run_until(w.true_ns() + 70 * kS);
  EXPECT_GE(w.requests(), sent + 4);
}

TEST(FwSleep, ASleepBeyondMaxErrorIsUnsynchronizedUntilTheBoardResyncs) {
  Synced s;
  sim::World& w = s.world;
  // An hour at 500 ppm: 1.8 s, beyond the 1.5 s of max_error.
  ASSERT_EQ(w.deep_sleep(3600 * kS, -300), WakeResult::Restored);
  EXPECT_FALSE(w.reading().synchronized);
  EXPECT_EQ(w.board().next_action(w.local_ns()).kind, ActionKind::SendNtp);
  int64_t start = w.true_ns();
  while (!w.reading().synchronized && w.true_ns() < start + 10 * kS) w.run_until(w.true_ns() + 10 * kMs);
  ASSERT_TRUE(w.reading().synchronized);
  EXPECT_LT(w.true_ns() - start, 2 * kS);
  expect_honest(w, "after the resync");
  EXPECT_LT(std::llabs(w.error_ns()), 1 * kMs);
}

TEST(FwSleep, ABoardWithNoTimeWakesAsAtBoot) {
  sim::Oscillator crystal(10.0);
  sim::WorldConfig wc;
  wc.server_reachable = false;
  sim::World w(wc, crystal);
  w.start_board(sleep_config(w));
  w.run_until(5 * kS);
  EXPECT_EQ(w.deep_sleep(60 * kS, 0), WakeResult::Empty);
  EXPECT_FALSE(w.reading().synchronized);
}

}  // namespace
}  // namespace lansync::fw
