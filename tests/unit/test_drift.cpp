// Unit tests of the drift analysis (core/drift): sign conventions, steps and outliers,
// failed samples, the reliability window and the resync interval, on synthetic runs with known answers.
#include <gtest/gtest.h>

#include <cmath>
#include <iterator>
#include <random>
#include <vector>

#include "../support/seed.hpp"
#include "core/drift.hpp"

namespace lansync::core {
namespace {

// offset(t) = offset0 - drift_ppm * 1e-6 * t: a clock drift_ppm fast loses offset over time.
std::vector<DriftSample> run(double drift_ppm, int n, double interval_s, double offset0 = 0) {
  std::vector<DriftSample> s;
  for (int i = 0; i < n; ++i) {
    double t = i * interval_s;
    s.push_back({t, offset0 - drift_ppm * 1e-6 * t, true});
  }
  return s;
}

TEST(Drift, FastClockIsPositive) {
  // The reference - local offset falls by 50 us a second: the local clock runs 50 ppm fast.
  auto a = analyze_drift(run(50, 100, 10), {});
  ASSERT_TRUE(a);
  EXPECT_NEAR(a->drift_ppm, 50, 1e-6);
  EXPECT_NEAR(a->drift_uncertainty_ppm, 0, 1e-6);
  EXPECT_EQ(a->segments.size(), 1u);
  EXPECT_EQ(a->used, 100u);
  EXPECT_DOUBLE_EQ(a->span_s, 990);
  EXPECT_DOUBLE_EQ(a->interval_s, 10);
}

TEST(Drift, SlowClockIsNegative) {
  // A reference that gains 100 ppm on us (faketime x1.0001): offset rises, drift -100 ppm.
  auto a = analyze_drift(run(-100, 101, 0.2, -5.0), {});
  ASSERT_TRUE(a);
  EXPECT_NEAR(a->drift_ppm, -100, 1e-6);
}

TEST(Drift, NoisyRunRecoversDriftAndJitter) {
  auto rng = testing::seeded_rng();
  std::normal_distribution<double> noise(0, 2e-4);
  auto s = run(-12.5, 1440, 60);
  for (DriftSample& d : s) d.offset_s += noise(rng);
  auto a = analyze_drift(s, {});
  ASSERT_TRUE(a);
  EXPECT_NEAR(a->drift_ppm, -12.5, 4 * a->drift_uncertainty_ppm);
  EXPECT_GT(a->drift_uncertainty_ppm, 0);
  EXPECT_NEAR(a->jitter_s / 2e-4, 1, 0.1);
  EXPECT_EQ(a->segments.size(), 1u) << "noise alone must not look like a step";
  EXPECT_TRUE(a->outliers.empty());
  // The residuals are white phase noise: ADEV(60 s) about sqrt(3) * 2e-4 / 60.
  ASSERT_FALSE(a->allan.empty());
  EXPECT_DOUBLE_EQ(a->allan[0].tau_s, 60);
  EXPECT_NEAR(a->allan[0].adev / (std::sqrt(3.0) * 2e-4 / 60), 1, 0.15);
}

TEST(Drift, StepSplitsTheRun) {
  // The clock set back by 0.2 s at t = 500 s (the offset jumps up by 0.2 s).
  auto s = run(20, 101, 10);
  for (DriftSample& d : s) {
    if (d.t_s >= 500) d.offset_s += 0.2;
  }
  auto a = analyze_drift(s, {});
  ASSERT_TRUE(a);
  ASSERT_EQ(a->segments.size(), 2u);
  EXPECT_NEAR(a->drift_ppm, 20, 1e-6);
  EXPECT_DOUBLE_EQ(a->segments[1].start_s, 500);
  EXPECT_NEAR(a->segments[1].step_s, 0.2, 1e-9);
  EXPECT_EQ(a->segments[0].n, 50u);
  EXPECT_EQ(a->segments[1].n, 51u);
  EXPECT_TRUE(a->segments[0].fitted);
  EXPECT_NEAR(a->segments[1].drift_ppm, 20, 1e-6);
  EXPECT_NEAR(a->jitter_s, 0, 1e-9);
  EXPECT_EQ(a->segment_of[49], 0u);
  EXPECT_EQ(a->segment_of[50], 1u);
  EXPECT_NEAR(a->fitted_offset_s[60], s[60].offset_s, 1e-9);
}

TEST(Drift, StepsAreFoundAmidNoise) {
  auto rng = testing::seeded_rng();
  std::normal_distribution<double> noise(0, 3e-4);
  auto s = run(-30, 600, 60);
  for (DriftSample& d : s) {
    d.offset_s += noise(rng);
    if (d.t_s >= 10000) d.offset_s -= 0.05;
    if (d.t_s >= 25000) d.offset_s += 1.5;
  }
  auto a = analyze_drift(s, {});
  ASSERT_TRUE(a);
  ASSERT_EQ(a->segments.size(), 3u);
  EXPECT_NEAR(a->segments[1].step_s, -0.05, 5e-4);
  EXPECT_NEAR(a->segments[2].step_s, 1.5, 5e-4);
  EXPECT_NEAR(a->drift_ppm, -30, 4 * a->drift_uncertainty_ppm);
}

TEST(Drift, ALoneSpikeIsAnOutlierNotTwoSteps) {
  auto s = run(10, 100, 1);
  s[40].offset_s += 0.05;
  auto a = analyze_drift(s, {});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->segments.size(), 1u);
  ASSERT_EQ(a->outliers.size(), 1u);
  EXPECT_EQ(a->outliers[0], 40u);
  EXPECT_EQ(a->used, 99u);
  EXPECT_NEAR(a->drift_ppm, 10, 1e-6);
}

TEST(Drift, FailedSamplesAreCountedAndSkipped) {
  auto s = run(5, 50, 60);
  s[3].ok = false;
  s[3].offset_s = 99;  // whatever a failed row holds is ignored
  s[20].ok = false;
  auto a = analyze_drift(s, {});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->samples, 50u);
  EXPECT_EQ(a->good, 48u);
  EXPECT_EQ(a->failed, 2u);
  EXPECT_NEAR(a->drift_ppm, 5, 1e-6);
  EXPECT_TRUE(std::isnan(a->fitted_offset_s[3]));
}

TEST(Drift, ManualStepThreshold) {
  // A 0.5 ms jump: below the automatic 1 ms floor, a step with --step 0.0002.
  auto s = run(0, 100, 1);
  for (DriftSample& d : s) {
    if (d.t_s >= 50) d.offset_s += 5e-4;
  }
  auto automatic = analyze_drift(s, {});
  ASSERT_TRUE(automatic);
  EXPECT_EQ(automatic->segments.size(), 1u);
  EXPECT_DOUBLE_EQ(automatic->step_threshold_s, kMinAutoStepS);
  DriftOptions o;
  o.step_threshold_s = 2e-4;
  auto manual = analyze_drift(s, o);
  ASSERT_TRUE(manual);
  EXPECT_EQ(manual->segments.size(), 2u);
}

TEST(Drift, RefusesWhatCannotBeFitted) {
  EXPECT_EQ(analyze_drift(run(1, 2, 1), {}).error(), DriftError::TooFewSamples);
  auto failed = run(1, 10, 1);
  for (size_t i = 2; i < failed.size(); ++i) failed[i].ok = false;
  EXPECT_EQ(analyze_drift(failed, {}).error(), DriftError::TooFewSamples);
  auto same_time = run(1, 5, 0);
  EXPECT_EQ(analyze_drift(same_time, {}).error(), DriftError::NoTimeSpan);
  auto backwards = run(1, 5, 1);
  backwards[3].t_s = 0.5;
  EXPECT_EQ(analyze_drift(backwards, {}).error(), DriftError::NotInOrder);
  auto nan = run(1, 5, 1);
  nan[2].offset_s = std::nan("");
  EXPECT_EQ(analyze_drift(nan, {}).error(), DriftError::NotFinite);
  DriftOptions bad;
  bad.tolerance_s = 0;
  EXPECT_EQ(analyze_drift(run(1, 5, 1), bad).error(), DriftError::BadOption);
}

TEST(Reliability, WindowFromDriftAndJitter) {
  // |D| t + 2 sigma = tolerance: (1 - 0.2) / 1e-4 = 8000 s.
  EXPECT_NEAR(reliability_window_s(1e-4, 0, 0.1, 1), 8000, 1e-3);
  EXPECT_NEAR(reliability_window_s(-1e-4, 0, 0.1, 1), 8000, 1e-3);  // slow or fast alike
  // The drift's uncertainty shortens it: at t, 1e-4 t + 2 * 1e-5 t = 1 -> 8333 s.
  EXPECT_NEAR(reliability_window_s(1e-4, 1e-5, 0, 1), 1 / 1.2e-4, 1e-2);
  EXPECT_EQ(reliability_window_s(1e-4, 0, 0.6, 1), 0);  // 2 sigma = 1.2 s > 1 s already
  EXPECT_LT(reliability_window_s(0, 0, 0.1, 1), 0);     // never
}

TEST(Reliability, ResyncIsHalfTheWindowRoundedAndNeverBeyondTheRun) {
  // A clean 100 ppm drift over 1000 s: the window is 10000 s, half is 5000 s,
  // but the run only saw 1000 s: resync every 15 min.
  auto a = analyze_drift(run(100, 101, 10), {});
  ASSERT_TRUE(a);
  EXPECT_NEAR(a->reliable_s, 10000, 1e-2);
  EXPECT_TRUE(a->reliable_extrapolated);
  EXPECT_TRUE(a->resync_capped);
  EXPECT_DOUBLE_EQ(a->resync_interval_s, 900);
  // A day at 60 s with 20 ppm and tolerance 1 s: window 50000 s, resync 6 h.
  auto day = analyze_drift(run(20, 1441, 60), {});
  ASSERT_TRUE(day);
  EXPECT_NEAR(day->reliable_s, 50000, 1e-1);
  EXPECT_FALSE(day->reliable_extrapolated);
  EXPECT_FALSE(day->resync_capped);
  EXPECT_DOUBLE_EQ(day->resync_interval_s, 6 * 3600);
}

TEST(Reliability, RoundIntervals) {
  EXPECT_EQ(round_interval_down_s(0.5), 0);
  EXPECT_EQ(round_interval_down_s(1), 1);
  EXPECT_EQ(round_interval_down_s(59), 30);
  EXPECT_EQ(round_interval_down_s(3599), 1800);
  EXPECT_EQ(round_interval_down_s(5 * 3600), 3 * 3600);
  EXPECT_EQ(round_interval_down_s(13 * 86400), 7 * 86400);
  EXPECT_EQ(round_interval_down_s(20 * 86400), 14 * 86400);
}

}  // namespace
}  // namespace lansync::core

namespace lansync::core {
namespace {

TEST(DriftEnds, AJumpOfTheLastOrFirstSampleIsAnOutlierNotAStep) {
  for (bool at_end : {true, false}) {
    std::vector<DriftSample> v;
    for (int i = 0; i < 50; ++i) v.push_back({i * 1.0, -5.0 - 100e-6 * i, true});
    v[at_end ? 49 : 0].offset_s += 3e-3;  // one late reading, 3 ms off
    auto a = analyze_drift(v, {});
    ASSERT_TRUE(a) << describe(a.error());
    EXPECT_EQ(a->segments.size(), 1u) << (at_end ? "end" : "start");
    ASSERT_EQ(a->outliers.size(), 1u);
    EXPECT_EQ(a->outliers[0], at_end ? 49u : 0u);
    EXPECT_NEAR(a->drift_ppm, 100, 0.01);
  }
}

}  // namespace
}  // namespace lansync::core

namespace lansync::core {
namespace {

// Samples 0.2 s apart, each with a 0.2 ms round trip, the reference gaining 100 ppm.
std::vector<DriftSample> quick_run(int n) {
  std::vector<DriftSample> v;
  for (int i = 0; i < n; ++i) v.push_back({i * 0.2, -5.0 + 100e-6 * i * 0.2, true, 2e-4});
  return v;
}

TEST(DriftDelay, SlowReadingsWithinTheirOwnUncertaintyAreNotSteps) {
  // Two readings on a loaded machine: round trips of 30 and 20 ms, offsets 12 and 7 ms off
  // (each within half its round trip), neither back to where the other was.
  auto v = quick_run(100);
  v[40].delay_s = 30e-3;
  v[40].offset_s += 12e-3;
  v[41].delay_s = 20e-3;
  v[41].offset_s += 7e-3;
  auto a = analyze_drift(v, {});
  ASSERT_TRUE(a) << describe(a.error());
  EXPECT_EQ(a->segments.size(), 1u) << "a change the samples' delays explain is not a step";
  EXPECT_EQ(a->outliers, (std::vector<size_t>{40, 41})) << "the slow readings are left out of the fit";
  EXPECT_NEAR(a->drift_ppm, -100, 4 * a->drift_uncertainty_ppm);
}

TEST(DriftDelay, AStepBeyondTheDelaysIsStillAStep) {
  // The clock set back by 50 ms at sample 50, the reading just after it slow (20 ms round trip).
  auto v = quick_run(100);
  for (size_t i = 50; i < v.size(); ++i) v[i].offset_s += 50e-3;
  v[50].delay_s = 20e-3;
  auto a = analyze_drift(v, {});
  ASSERT_TRUE(a) << describe(a.error());
  ASSERT_EQ(a->segments.size(), 2u);
  EXPECT_NEAR(a->segments[1].step_s, 50e-3, 1e-6);
}

TEST(DriftDelay, SlowExchangesLeaningOneWayDoNotBendTheSlope) {
  // The armhf run under qemu: 100 readings at 0.2 s of a server gaining 100 ppm, 23 us round
  // trips with 1 us of noise, but the first ten exchanges slow (a cold emulator: 350 us down to
  // 30 us), each off by 0.4 of its excess round trip, all the same way.  Unweighted, they moved
  // the drift by 0.9 ppm, 3.5 times its stated uncertainty.
  auto clean = run(-100, 100, 0.2, -5.0);
  for (size_t i = 0; i < clean.size(); ++i) {
    clean[i].delay_s = 23e-6;
    clean[i].offset_s += i % 2 ? 1e-6 : -1e-6;
  }
  auto warm = clean;
  const double slow[] = {350e-6, 200e-6, 120e-6, 80e-6, 60e-6, 50e-6, 45e-6, 40e-6, 35e-6, 30e-6};
  for (size_t i = 0; i < std::size(slow); ++i) {
    warm[i].delay_s = slow[i];
    warm[i].offset_s += 0.4 * (slow[i] - 23e-6);
  }
  auto a = analyze_drift(clean, {});
  auto b = analyze_drift(warm, {});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(b->segments.size(), 1u);
  EXPECT_TRUE(b->outliers.empty()) << "within 1 ms: not steps, not outliers; the weights do the work";
  EXPECT_NEAR(b->drift_ppm, a->drift_ppm, b->drift_uncertainty_ppm);
  EXPECT_NEAR(b->drift_ppm, -100, 4 * b->drift_uncertainty_ppm);
  EXPECT_NEAR(b->segments[0].drift_ppm, -100, 4 * b->segments[0].drift_uncertainty_ppm);
}

TEST(DriftDelay, EqualRoundTripsWeighTheSame) {
  // The same round trip for every sample (or none): the plain least-squares fit.
  auto rng = testing::seeded_rng();
  std::normal_distribution<double> noise(0, 1e-5);
  auto v = run(30, 200, 1);
  for (DriftSample& d : v) d.offset_s += noise(rng);
  auto plain = analyze_drift(v, {});
  for (DriftSample& d : v) d.delay_s = 40e-6;
  auto timed = analyze_drift(v, {});
  ASSERT_TRUE(plain && timed);
  EXPECT_DOUBLE_EQ(plain->drift_ppm, timed->drift_ppm);
  EXPECT_DOUBLE_EQ(plain->drift_uncertainty_ppm, timed->drift_uncertainty_ppm);
}

}  // namespace
}  // namespace lansync::core
