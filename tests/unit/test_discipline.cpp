// core/discipline: the register's filter, the runs test, the skew blend and the slew.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "core/discipline.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kUs = 1000;
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kS = 1'000'000'000;

TEST(SourceStats, TheLineThroughNoisySamplesFindsOffsetAndFrequency) {
  unsigned seed = 42;
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  std::exponential_distribution<double> queue(1.0 / 1000);  // 1 ms of queueing on average
  SourceStats st;
  // The server gains 20 ppm on us; at the newest sample it is 5 ms ahead.
  for (int i = 0; i < 20; ++i) {
    int64_t t = i * 64 * kS;
    double up = queue(rng), down = queue(rng);
    int64_t offset = 5 * kMs + std::llround(20e-6 * static_cast<double>(t - 19 * 64 * kS)) +
                     std::llround((up - down) / 2 * 1000);
    st.add({t, offset, 1 * kMs + std::llround((up + down) * 1000), 1 * kUs});
  }
  const auto& e = st.estimate();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->time_ns, 19 * 64 * kS);
  // Within the errors it states (a noise of about 0.7 ms per sample).
  EXPECT_NEAR(static_cast<double>(e->offset_ns), 5.0 * kMs, 3.0 * static_cast<double>(e->offset_sd_ns));
  EXPECT_NEAR(e->freq_ppm, 20, e->skew_ppm);
  EXPECT_LT(e->skew_ppm, 20);
  EXPECT_EQ(e->offset_at(e->time_ns + 100 * kS), e->offset_ns + std::llround(e->freq_ppm * 100 * 1000));
}

TEST(SourceStats, BelowThreeSamplesThereIsNoLine) {
  SourceStats st;
  EXPECT_FALSE(st.predict_ns(0).has_value());
  st.add({0, 1 * kMs, 1 * kMs, 1});
  st.add({kS, 2 * kMs, 1 * kMs, 1});
  EXPECT_FALSE(st.estimate().has_value());
  EXPECT_EQ(st.predict_ns(5 * kS), 2 * kMs);  // the last sample
  st.add({2 * kS, 3 * kMs, 1 * kMs, 1});
  ASSERT_TRUE(st.estimate().has_value());
  EXPECT_NEAR(st.estimate()->freq_ppm, 1000, 1e-6);
}

TEST(SourceStats, AFrequencyChangeDropsTheSamplesBeforeIt) {
  SourceStats st;
  // 30 samples at 0 ppm, then 30 at +10 ppm: the line keeps to the new ones.
  int64_t offset = 0;
  for (int i = 0; i < 60; ++i) {
    if (i >= 30) offset += 10 * 64 * kUs;  // 10 ppm over 64 s
    st.add({i * 64 * kS, offset + ((i % 2) != 0 ? 10 * kUs : -10 * kUs), 1 * kMs, 1});
  }
  ASSERT_TRUE(st.estimate().has_value());
  EXPECT_LE(st.size(), 31u);
  EXPECT_NEAR(st.estimate()->freq_ppm, 10, 0.5);
}

TEST(SourceStats, ShiftKeepsTheSamplesOnTheCorrectedClock) {
  SourceStats st;
  for (int i = 0; i < 5; ++i) st.add({i * kS, 2 * kMs + i * 10 * kUs, 1 * kMs, 1});  // 10 ppm slow
  ASSERT_NEAR(st.estimate()->freq_ppm, 10, 1e-6);
  st.shift({4 * kS, 10, st.estimate()->offset_ns});
  EXPECT_NEAR(st.estimate()->freq_ppm, 0, 0.01);
  EXPECT_NEAR(static_cast<double>(st.estimate()->offset_ns), 0, 1000);
}

// What a register made of a clock whose frequency wanders as a crystal's does (1e-9 per root
// second), measured every interval_s through base_ns + Exp(queue_ns) each way, 400 times: how
// often the estimate was within twice its stated error, and its squared error and the samples'.
struct Followed {
  int within = 0, judged = 0;
  double estimate_sq = 0, sample_sq = 0;
};

Followed follow_wandering_clock(unsigned seed, int interval_s, int64_t base_ns, double queue_ns,
                                double walk_sd = 1e-9, Beneath beneath = Beneath::Nothing) {
  std::mt19937 rng(seed);
  std::exponential_distribution<double> queue(1.0 / queue_ns);
  std::normal_distribution<double> walk(0, walk_sd);
  SourceStats st;
  st.correct_beneath(beneath);
  double offset_ns = 0, freq = 3e-6;
  Followed f;
  for (int i = 0; i < 400; ++i) {
    for (int s = 0; s < interval_s; ++s) {
      freq += walk(rng);
      offset_ns += freq * 1e9;
    }
    double up = queue(rng), down = queue(rng);
    int64_t measured = std::llround(offset_ns + (up - down) / 2);
    st.add({i * interval_s * kS, measured, 2 * base_ns + std::llround(up + down), 1 * kUs});
    const auto& e = st.estimate();
    if (i < 50 || !e) continue;
    double error = static_cast<double>(e->offset_ns) - offset_ns;
    ++f.judged;
    f.within += std::fabs(error) <= 2 * static_cast<double>(e->offset_sd_ns) ? 1 : 0;
    f.estimate_sq += error * error;
    f.sample_sq += (static_cast<double>(measured) - offset_ns) * (static_cast<double>(measured) - offset_ns);
  }
  std::printf("seed %u: within twice the stated error %d of %d, RMS error %.0f ns (samples' %.0f)\n", seed,
              f.within, f.judged, std::sqrt(f.estimate_sq / f.judged), std::sqrt(f.sample_sq / f.judged));
  return f;
}

// The wandering clock every 256 s through 1 ms + Exp(1 ms) each way: the estimate of the offset
// now is within the error it states, as often as a normal error would be, and closer to the truth
// than the newest sample.
TEST(SourceStats, AWanderingFrequencyIsFollowedWithinTheStatedError) {
  Followed f = follow_wandering_clock(11, 256, 1 * kMs, 1e6);
  // Two standard deviations hold 95 % of a normal error: at least 85 % of 350 (345 at this seed; a
  // straight line through the same samples held 72-83 % at seeds 1-4 and 11).
  EXPECT_GE(f.within, f.judged * 85 / 100);
  EXPECT_LT(f.estimate_sq, f.sample_sq / 2);
}

// Where a sensor's curve corrects the crystal, what is left walks as fast as the curve misses the
// room: here 30 times a crystal's wander (a frequency walking by 5.5e-9 a second), every 512 s
// through 1 ms + Exp(1 ms) each way.  The filter that learns its wander (Beneath::Temperature)
// follows it closer than one that keeps the crystal's (Beneath::Pulse), and where what is left
// does walk as a crystal, it does about as well.  Over seeds 1-8 the RMS error is 0.86 of the
// kept wander's in the first, 1.03 in the second.
TEST(SourceStats, WhereASensorsCurveCorrectsTheCrystalItsWanderIsLearnt) {
  for (double walk_sd : {5.5e-9, 1e-9}) {
    double learnt_sq = 0, kept_sq = 0;
    for (unsigned seed = 1; seed <= 8; ++seed) {
      learnt_sq += follow_wandering_clock(seed, 512, 1 * kMs, 1e6, walk_sd, Beneath::Temperature).estimate_sq;
      kept_sq += follow_wandering_clock(seed, 512, 1 * kMs, 1e6, walk_sd, Beneath::Pulse).estimate_sq;
    }
    double ratio = std::sqrt(learnt_sq / kept_sq);
    std::printf("walk %.1e per s: RMS error, wander learnt / kept: %.3f\n", walk_sd, ratio);
    EXPECT_LT(ratio, walk_sd > 2e-9 ? 0.9 : 1.05);
  }
}

// A Wi-Fi-like path, 2 ms + Exp(5 ms) each way, the wandering clock every 1 024 s: a sample's
// offset is off by no more than half its delay beyond the least, and the filter, held to those
// bounds, comes closer to the truth than by weighing the samples alone.  Over seeds 1-8, the
// estimate's RMS error is 0.170 of the samples' with the bounds and 0.198 without them; at each
// seed it is within twice its stated error 89-99 % of the time.
TEST(SourceStats, TheLeastQueuedSamplesBoundTheOffset) {
  double estimate_sq = 0, sample_sq = 0;
  for (unsigned seed = 1; seed <= 8; ++seed) {
    Followed f = follow_wandering_clock(seed, 1024, 2 * kMs, 5e6);
    EXPECT_GE(f.within, f.judged * 85 / 100);
    estimate_sq += f.estimate_sq;
    sample_sq += f.sample_sq;
  }
  double ratio = std::sqrt(estimate_sq / sample_sq);
  std::printf("RMS error, estimate / samples: %.3f\n", ratio);
  EXPECT_LT(ratio, 0.18);
}

// A crystal whose room warms: its frequency ramps by rate (s/s per s) and wanders as in
// follow_wandering_clock, measured every 1 024 s (sntpd's longest poll) through 1 ms + Exp(1 ms)
// each way, 200 times, the ramp model allowed or not: the RMS error of the estimated offset after
// the first 50 samples, and the share of those estimates the ramp model gave.
struct Ramped {
  double rms_ns = 0;
  double ramping = 0;
  double last_ramp_ppm_per_h = 0;  // the last estimate's
  double mean_samples = 0;         // in the register, over the estimates judged
};

Ramped follow_ramp(unsigned seed, double rate, bool allowed) {
  std::mt19937 rng(seed);
  std::exponential_distribution<double> queue(1e-6);
  std::normal_distribution<double> walk(0, 1e-9);
  SourceStats st;
  st.correct_beneath(allowed ? Beneath::Nothing : Beneath::Pulse);
  double offset_ns = 0, freq = 3e-6, sq = 0;
  int judged = 0, ramping = 0;
  size_t samples = 0;
  for (int i = 0; i < 200; ++i) {
    for (int s = 0; s < 1024; ++s) {
      freq += rate + walk(rng);
      offset_ns += freq * 1e9;
    }
    double up = queue(rng), down = queue(rng);
    st.add({i * 1024 * kS, std::llround(offset_ns + (up - down) / 2), 2 * kMs + std::llround(up + down),
            1 * kUs});
    const auto& e = st.estimate();
    if (i < 50 || !e) continue;
    double error = static_cast<double>(e->offset_ns) - offset_ns;
    sq += error * error;
    ++judged;
    ramping += e->ramping ? 1 : 0;
    samples += e->samples;
  }
  Ramped r{std::sqrt(sq / judged), static_cast<double>(ramping) / judged, st.estimate()->ramp_ppm_per_h,
           static_cast<double>(samples) / judged};
  std::printf(
      "seed %u, rate %g, ramp %s: RMS error %.0f ns, ramp model used %.2f, last %.3f ppm/h, %.1f samples\n",
      seed, rate, allowed ? "allowed" : "not allowed", r.rms_ns, r.ramping, r.last_ramp_ppm_per_h,
      r.mean_samples);
  return r;
}

// A room warming by 1.6 degrees an hour (a Pi's crystal: 4e-10 s/s per s): the steady filter
// lags the ramp, the ramp model does not, and is the one used (at seeds 1-4 its RMS error is 0.35
// to 0.39 of the steady filter's, and it gave every estimate judged).  A line through a ramp leaves
// long runs, and the runs test cuts its register to the fewest samples it keeps (6); while the
// ramp model is used, the register is judged by a parabola and keeps 23-29 (seeds 1-4).
TEST(SourceStats, AFrequencyThatRampsIsFollowedByTheRampModel) {
  for (unsigned seed = 1; seed <= 4; ++seed) {
    Ramped with = follow_ramp(seed, 4e-10, true);
    Ramped without = follow_ramp(seed, 4e-10, false);
    EXPECT_LT(with.rms_ns, 0.5 * without.rms_ns);
    EXPECT_GT(with.ramping, 0.8);
    EXPECT_EQ(without.ramping, 0);
    EXPECT_GT(with.mean_samples, 2 * without.mean_samples);
    // The frequency error grows by 4e-10 per second, 1.44 ppm an hour: the last estimate of it is
    // within a factor of 1.6 of that (0.98-1.77 at seeds 1-4; the prior draws it towards 0).
    EXPECT_GT(with.last_ramp_ppm_per_h, 1.44 / 1.6);
    EXPECT_LT(with.last_ramp_ppm_per_h, 1.44 * 1.6);
    EXPECT_EQ(without.last_ramp_ppm_per_h, 0);
  }
}

// Without a ramp the steady filter is the one used (at seeds 1-4, for every estimate judged).
TEST(SourceStats, AWanderingFrequencyKeepsTheSteadyModel) {
  for (unsigned seed = 1; seed <= 4; ++seed) {
    Ramped r = follow_ramp(seed, 0, true);
    EXPECT_LT(r.ramping, 0.1);
  }
}

// The uplink busy (a phone uploading through the same access point): all but every fifth sample
// is queued on the way there only, by 1 to 8 ms, and so reads the server half that much ahead.
// Once that has held for ten samples, the offsets are taken as they would have been unqueued: a
// weighted mean reads 190 us ahead here, the bounds alone 330 us.
TEST(SourceStats, SamplesQueuedOneWayCannotDragTheOffsetAway) {
  SourceStats st;
  for (int i = 0; i < 40; ++i) {
    int64_t queued = i % 5 == 0 ? 0 : (1 + i % 8) * kMs;
    st.add({i * 64 * kS, queued / 2, 2 * kMs + queued, 1 * kUs});
  }
  const auto& e = st.estimate();
  ASSERT_TRUE(e.has_value());
  EXPECT_LT(std::llabs(e->offset_ns), 20 * kUs);
  EXPECT_NEAR(e->freq_ppm, 0, 0.01);
}

TEST(ClockLoop, TheFirstUpdateTakesTheWholeFrequencyAndSlewsFast) {
  ClockLoop loop;  // our frequency unknown
  ClockUpdate u = loop.plan(0, 100 * kMs, 1 * kMs, 30, 1);
  EXPECT_TRUE(u.is_update);
  EXPECT_NEAR(u.dfreq_ppm, 30, 1e-6);
  EXPECT_EQ(u.doffset_ns, 100 * kMs);
  EXPECT_NEAR(u.frequency_ppm, 30 + kMaxSlewPpm, 1e-6);  // no interval yet: as fast as allowed
  loop.commit(0, u);
  EXPECT_EQ(loop.remaining_ns(0), 100 * kMs);
  // Done when the slew ends, and not before.
  EXPECT_GT(loop.remaining_ns(u.slew_end_mono_ns / 2), 10 * kMs);
  EXPECT_NEAR(static_cast<double>(loop.remaining_ns(u.slew_end_mono_ns)), 0, 1000);
  ClockUpdate end = loop.end_slew(u.slew_end_mono_ns);
  EXPECT_FALSE(end.is_update);
  EXPECT_NEAR(end.frequency_ppm, 30, 1e-6);  // back to the base
  loop.commit(u.slew_end_mono_ns, end);
  EXPECT_EQ(loop.slew_end_mono_ns(), INT64_MAX);
}

TEST(ClockLoop, AWellKnownFrequencyTakesLittleOfAPoorEstimate) {
  ClockLoop loop(12, 0.01);  // 12 ppm, known to 0.01 ppm
  ClockUpdate u = loop.plan(0, 0, 1 * kMs, 5, 1);
  EXPECT_LT(u.dfreq_ppm, 0.01);
  EXPECT_GT(u.skew_ppm, 0.01);  // but our own bound widens: the estimates disagree with it
  EXPECT_DOUBLE_EQ(loop.plan(0, 0, 1 * kMs, 5, 2000).dfreq_ppm, 0);  // beyond maxupdateskew
}

TEST(ClockLoop, AVeryLongSlewIsLookedAtAgainWithinItsTimer) {
  ClockLoop loop;
  loop.commit(0, loop.plan(0, 0, 1 * kMs, 0, 1));
  // 2 us with a 1 s error after a day: the slew would take years; it is looked at after 1e4 s.
  ClockUpdate u = loop.plan(86400 * kS, 2 * kUs, 1 * kS, 0, 1);
  EXPECT_EQ(u.slew_end_mono_ns, 86400 * kS + 10'000 * kS);
  loop.commit(86400 * kS, u);
  EXPECT_GT(loop.remaining_ns(u.slew_end_mono_ns), 0);  // not done: end_slew slews on
  EXPECT_TRUE(loop.end_slew(u.slew_end_mono_ns).slew_end_mono_ns > u.slew_end_mono_ns);
}

TEST(ClockLoop, ASmallOffsetIsSlewedOverSeveralIntervals) {
  ClockLoop loop;
  loop.commit(0, loop.plan(0, 0, 1 * kMs, 0, 1));
  // 1 ms with a 1 ms error after 1024 s: 4.5 x 1024 s.
  ClockUpdate u = loop.plan(1024 * kS, 1 * kMs, 1 * kMs, 0, 1);
  EXPECT_NEAR(static_cast<double>(u.slew_end_mono_ns - 1024 * kS), 4608.0 * kS, 1.0 * kS);
  EXPECT_NEAR(u.frequency_ppm, 1e6 * 1e-3 / 4608, 0.01);
}

// The loop closed on a clock that runs 30 ppm slow, measured with 100 us of noise every 64 s.
TEST(ClockLoop, ClosedOnANoisyClockItConverges) {
  unsigned seed = 7;
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 100e3);
  ClockLoop loop;
  SourceStats st;
  double clock_error_ns = 50 * kMs;  // the server minus our clock
  int64_t last = 0;
  double worst_late = 0;
  for (int i = 0; i < 200; ++i) {
    int64_t now = i * 64 * kS;
    // Our clock gains (frequency set - 30 ppm) over the interval, slews included.
    double freq = loop.base_ppm();
    clock_error_ns -= (freq - 30) * 1e-6 * static_cast<double>(now - last);
    clock_error_ns -= static_cast<double>(loop.remaining_ns(last) - loop.remaining_ns(now));
    last = now;
    int64_t remaining = loop.remaining_ns(now);
    int64_t measured = std::llround(clock_error_ns + noise(rng)) - remaining;
    st.add({now + remaining, measured, 1 * kMs, 1});
    const auto& e = st.estimate();
    if (!e) continue;
    ClockUpdate u = loop.plan(now, e->offset_ns, e->offset_sd_ns, e->freq_ppm, e->skew_ppm);
    loop.commit(now, u);
    st.shift({now + remaining, u.dfreq_ppm, u.doffset_ns});
    if (i > 100)
      worst_late =
          std::max(worst_late, std::fabs(clock_error_ns - static_cast<double>(loop.remaining_ns(now))));
  }
  EXPECT_NEAR(loop.base_ppm(), 30, 0.5);
  EXPECT_LT(worst_late, 1.0 * kMs);
}

}  // namespace
}  // namespace lansync::core
