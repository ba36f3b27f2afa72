// core/thermal: the correction ledger, and the curve learnt from a crystal the test simulates.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "core/thermal.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kUs = 1000;
constexpr int64_t kS = 1'000'000'000;

TEST(CorrectionLedger, SumsFrequenciesOverTimeAndSteps) {
  CorrectionLedger l;
  EXPECT_EQ(l.total_ns(100 * kS), 0);
  l.set_frequency(0, 10);  // 10 ppm: 10 us a second
  EXPECT_EQ(l.total_ns(100 * kS), 1000 * kUs);
  l.set_frequency(100 * kS, -5);
  EXPECT_EQ(l.total_ns(200 * kS), 1000 * kUs - 500 * kUs);
  l.step(200 * kS, -2 * kS);
  EXPECT_EQ(l.total_ns(200 * kS), 500 * kUs - 2 * kS);
  EXPECT_DOUBLE_EQ(l.frequency_ppm(), -5);
  // A time before the last changes is summed as the clock then was.
  EXPECT_EQ(l.total_ns(150 * kS), 1000 * kUs - 250 * kUs);
  EXPECT_EQ(l.total_ns(50 * kS), 500 * kUs);
}

TEST(CorrectionLedger, KeepsItsLastChanges) {
  CorrectionLedger l;
  for (int64_t i = 0; i < 40; ++i) l.set_frequency(i * kS, i % 2 == 0 ? 100 : -100);  // 100 us up, down
  EXPECT_EQ(l.total_ns(40 * kS), 0);
  EXPECT_EQ(l.total_ns(39 * kS + kS / 2), 50 * kUs);  // in the last change's second, going down
  EXPECT_EQ(l.total_ns(30 * kS + kS / 4), 25 * kUs);  // the tenth change back, going up
  // Before the oldest kept (24 s): as if its frequency (up) had run.
  EXPECT_EQ(l.total_ns(23 * kS), -100 * kUs);
}

// A crystal whose error (ppm, positive: fast) is f0 + a (x - 40) + b (x - 40)^2 at its own
// temperature x, which follows the sensor's with a lag; its wander and a sensor in 0.5 degree
// steps.  run() feeds the model as sntpd would: a reading every 16 s, a phase every poll_s.
struct Crystal {
  double f0 = 12, a = 0.25, b = -0.008, lag_s = 1800;
  double wander_ppm2_per_s = 1e-6;
  double noise_us = 100;  // each phase's error
  int poll_s = 256;
  std::mt19937 rng;
  double x = 0, phase_us = 0, walk = 0;
  explicit Crystal(unsigned seed) : rng(seed) { std::printf("seed %u\n", seed); }
  double error_ppm() const { return f0 + walk + thermal_ppm(); }

  // Runs from start_s for seconds, the sensor at sensor(t), feeding the model as sntpd does (the
  // phase is the crystal's own: what the ledger gives back whatever the clock was corrected by).
  // Returns the RMS (ppm) of the crystal's thermal change since start_s that the model's
  // correction left, over the run.
  template <typename Sensor>
  double run(ThermalModel& m, int64_t start_s, int64_t seconds, Sensor sensor) {
    std::normal_distribution<double> n01(0, 1);
    if (start_s == 0) x = sensor(0.0);
    double thermal0 = thermal_ppm(), correction0 = m.correction_ppm(), sum2 = 0;
    for (int64_t t = start_s; t < start_s + seconds; ++t) {
      double s = sensor(static_cast<double>(t));
      x += (s - x) * (1 - std::exp(-1 / lag_s));
      walk += std::sqrt(wander_ppm2_per_s) * n01(rng);
      phase_us -= error_ppm();
      if (t % 16 == 0) m.add_temperature(t * kS, std::round(s * 2) / 2);
      if (t % poll_s == 0) {
        int64_t ph = std::llround((phase_us + noise_us * n01(rng)) * kUs);
        m.add_phase(t * kS, ph, std::llround(noise_us * kUs));
      }
      double left = (thermal_ppm() - thermal0) + (m.correction_ppm() - correction0);
      sum2 += left * left;
    }
    return std::sqrt(sum2 / static_cast<double>(seconds));
  }
  double thermal_ppm() const { return a * (x - 40) + b * (x - 40) * (x - 40); }
};

// The room's temperature cycling over 6 hours, 30 to 50 degrees at the sensor.
double six_hour_cycle(double t) { return 40 + 10 * std::sin(t * 6.283185307179586 / 21600); }

TEST(ThermalModel, NothingIsCorrectedBeforeItLearnt) {
  ThermalModel m;
  EXPECT_EQ(m.correction_ppm(), 0);
  EXPECT_FALSE(m.curve().has_value());
  EXPECT_FALSE(m.temperature_c().has_value());
  m.add_phase(0, 0, kUs);  // no reading yet: nothing to learn from
  m.add_temperature(0, 41.5);
  EXPECT_EQ(m.temperature_c(), 41.5);
  EXPECT_EQ(m.correction_ppm(), 0);
}

TEST(ThermalModel, LearnsTheCurveAndTheLagOfACyclingRoom) {
  Crystal xtal(7);
  ThermalModel m;
  xtal.run(m, 0, 3 * 86400, six_hour_cycle);
  auto c = m.curve();
  ASSERT_TRUE(c.has_value());
  // The lag, to the grid's step (a factor of sqrt(2)).
  EXPECT_LT(std::fabs(std::log(c->lag_s / xtal.lag_s)), std::log(std::sqrt(2.0)));
  EXPECT_GE(c->points, 3 * 86400 / 256 - 1);
  EXPECT_LT(c->min_c, 32);
  EXPECT_GT(c->max_c, 48);
  // The gain between the range's ends, as the truth has it, within its stated error and 0.05 ppm.
  auto truth = [&](double t) { return xtal.a * (t - 40) + xtal.b * (t - 40) * (t - 40); };
  for (double t : {32.0, 36.0, 44.0, 48.0}) {
    double learnt = c->gain_ppm(t) - c->gain_ppm(40);
    EXPECT_NEAR(learnt, truth(t), 0.05 + 3 * (c->gain_sd_ppm(t) + c->gain_sd_ppm(40))) << t;
  }
  // A day on, the correction follows the crystal: what the cycle's 5 ppm swing leaves is a
  // small part of it.
  double swing = xtal.a * 20;
  double left = xtal.run(m, 3 * 86400, 86400, six_hour_cycle);
  EXPECT_LT(left, 0.05 * swing);
  // What was left unexplained: about the phases' own noise (100 us), not the cycle's swing.
  EXPECT_LT(c->residual_us, 150);
}

TEST(ThermalModel, ACrystalThatIgnoresTemperatureGetsAFlatCurve) {
  Crystal xtal(8);
  xtal.a = 0;
  xtal.b = 0;
  ThermalModel m;
  xtal.run(m, 0, 2 * 86400, six_hour_cycle);
  ASSERT_TRUE(m.curve().has_value());
  // Nothing beyond what the wander leaves by chance, within the error the curve states.
  const ThermalCurve c = *m.curve();
  for (double t : {31.0, 35.0, 45.0, 49.0}) EXPECT_LT(std::fabs(c.gain_ppm(t)), 3 * c.gain_sd_ppm(t)) << t;
  EXPECT_LT(std::fabs(m.correction_ppm()), 0.2);
}

TEST(ThermalModel, APhaseJumpIsNotLearntAsTemperature) {
  Crystal xtal(9);
  ThermalModel m;
  xtal.run(m, 0, 86400, six_hour_cycle);
  xtal.phase_us += 1e6;  // the clock set by someone else: a second
  xtal.run(m, 86400, 2 * 86400, six_hour_cycle);
  auto c = m.curve();
  ASSERT_TRUE(c.has_value());
  EXPECT_NEAR(c->gain_ppm(48) - c->gain_ppm(32), xtal.a * 16 + xtal.b * (64 - 64), 0.1);
}

TEST(ThermalModel, ARestoredCurveCorrectsAtOnceWithinItsRange) {
  ThermalCurve saved;
  saved.lag_s = 900;
  saved.t0_c = 40;
  saved.a_ppm_per_c = 0.3;
  saved.b_ppm_per_c2 = -0.01;
  saved.var_a = 1e-4;
  saved.var_b = 1e-6;
  saved.min_c = 35;
  saved.max_c = 45;
  saved.points = 500;
  ThermalModel m;
  m.restore(saved);
  ASSERT_TRUE(m.curve().has_value());
  EXPECT_EQ(m.curve()->lag_s, 960);  // the grid's nearest
  m.add_temperature(0, 44);
  // The gain, less what its own error (0.04 ppm here) takes off it.
  EXPECT_NEAR(m.correction_ppm(), -(0.3 * 4 - 0.01 * 16), 0.01);
  // Beyond the range learnt (and its margin of a degree) the curve is not extrapolated.
  ThermalModel hot;
  hot.restore(saved);
  hot.add_temperature(0, 60);
  EXPECT_NEAR(hot.correction_ppm(), -(0.3 * 6 - 0.01 * 36), 0.02);
}

TEST(ThermalModel, TheCorrectionIsLimited) {
  ThermalCurve saved;
  saved.t0_c = 0;
  saved.a_ppm_per_c = 5;
  saved.var_a = saved.var_b = 0;
  saved.min_c = -50;
  saved.max_c = 50;
  saved.points = 100;
  ThermalModel m;
  m.restore(saved);
  m.add_temperature(0, 30);
  EXPECT_EQ(m.correction_ppm(), -kMaxThermalCorrectionPpm);
}

}  // namespace
}  // namespace lansync::core
