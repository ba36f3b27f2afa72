// core/pulse_standard: a steady pulse taking the crystal's moves out, its second locked to itself.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

#include "core/pulse_standard.hpp"
#include "core/regression.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kS = 1'000'000'000;

// A crystal whose frequency against the pulse is ppm_at(t, s), an edge each second at t = k s
// (jitter_ns of normal noise on each), the correction put beneath it every 16 s as sntpd's
// keeper does.  Tracks the crystal's phase and the correction's; off_line_ns: how far the two
// together are from a straight line (the line's slope is the pulse's to choose: a constant the
// discipline takes out).
struct Crystal {
  std::function<double(double)> ppm_at;
  double jitter_ns = 0;
  int64_t start_phase_ns = 0;
  PulseStandard standard;
  double crystal_ns = 0, applied_ns = 0, correction_ppm = 0;
  std::vector<double> t_s, held_ns;  // the crystal and the correction together, after settling

  // The largest distance of the held phase from its least-squares line (ns).
  double worst_off_line_ns() const {
    auto f = fit_line(t_s, held_ns);
    double worst = 0;
    for (size_t i = 0; i < t_s.size(); ++i)
      worst = std::max(worst, std::fabs(held_ns[i] - f->intercept - f->slope * t_s[i]));
    return worst;
  }

  void go(int64_t from_s, int64_t to_s, unsigned seed = 1) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> noise(0, jitter_ns);
    for (int64_t s = from_s; s < to_s; ++s) {
      double ppm = ppm_at(static_cast<double>(s));
      crystal_ns += ppm * 1e3;  // a second at ppm: 1e3 ns per ppm
      applied_ns += correction_ppm * 1e3;
      double seen = crystal_ns + (jitter_ns > 0 ? noise(rng) : 0);
      standard.add(s * kS, start_phase_ns + std::llround(seen));
      if (s % 16 == 0) {
        if (auto c = standard.correction_ppm(s * kS)) {
          correction_ppm = *c;
          standard.applied(s * kS, correction_ppm);
        }
      }
      if (s > 600) {
        t_s.push_back(static_cast<double>(s));
        held_ns.push_back(crystal_ns + applied_ns);
      }
    }
  }
};

TEST(PulseStandard, NothingBeforeSixteenEdges) {
  PulseStandard p;
  for (int64_t s = 0; s < static_cast<int64_t>(kPulseMinEdges) - 1; ++s) p.add(s * kS, s * 3000);
  EXPECT_FALSE(p.correction_ppm(20 * kS));
  EXPECT_FALSE(p.locked(20 * kS));
  p.add(20 * kS, 60000);
  ASSERT_TRUE(p.correction_ppm(20 * kS));
  EXPECT_NEAR(*p.correction_ppm(20 * kS), 0, 1e-9);  // the first fit is the line
  ASSERT_TRUE(p.crystal_ppm());
  EXPECT_NEAR(*p.crystal_ppm(), 3, 1e-6);
}

TEST(PulseStandard, ASteadyCrystalIsLeftAlone) {
  Crystal r{[](double) { return -12.5; }, 2000};
  r.go(0, 3600);
  // What is left is the first fit's error in the pulse's frequency: a constant, a tenth of a ppm.
  EXPECT_LT(std::fabs(r.correction_ppm), 0.2);
  EXPECT_LT(r.worst_off_line_ns(), 3000);
}

TEST(PulseStandard, AWarmingCrystalIsHeldOnTheLine) {
  // A load step: the crystal 3 ppm faster, with a time constant of five minutes, and back.
  Crystal r{[](double t) {
              double up = t < 1200 ? 0 : 3 * (1 - std::exp(-(t - 1200) / 300));
              double down = t < 4000 ? 0 : -3 * (1 - std::exp(-(t - 4000) / 300));
              return -12.5 + up + down;
            },
            1000};
  r.go(0, 3000);
  // Held: the correction took the 3 ppm out, and the phase stayed within microseconds of the
  // line, where holding the frequency would have been 3 ppm * 1800 s = 5.4 ms off.
  EXPECT_NEAR(r.correction_ppm, -3 * (1 - std::exp(-1800.0 / 300)), 0.05);
  EXPECT_LT(r.worst_off_line_ns(), 20'000);
  r.go(3000, 7000);
  EXPECT_NEAR(r.correction_ppm, 0, 0.05);
  EXPECT_LT(r.worst_off_line_ns(), 20'000);
}

TEST(PulseStandard, EdgesAcrossTheSecondsBoundaryAreOneLine) {
  // The crystal 400 ppm fast: its phase at the edges walks through whole seconds in 40 min.
  Crystal r{[](double t) { return 400 + 2 * std::sin(t / 600); }, 500, 999'990'000};
  r.go(0, 7200);
  EXPECT_EQ(r.standard.restarts(), 0);
  EXPECT_LT(r.worst_off_line_ns(), 20'000);
}

TEST(PulseStandard, AGapRestartsItAndTheFrequencyIsKept) {
  Crystal r{[](double t) { return t < 2000 ? -5.0 : -4.0; }, 500};
  r.go(0, 1500);
  ASSERT_TRUE(r.standard.locked(1499 * kS));
  EXPECT_FALSE(r.standard.locked(1520 * kS));
  // The pulse stops for a minute; the crystal moves 1 ppm meanwhile.
  double held = r.correction_ppm;
  for (int64_t s = 1500; s < 2100; ++s) r.crystal_ns += r.ppm_at(static_cast<double>(s)) * 1e3;
  r.applied_ns += held * 600 * 1e3;
  r.go(2100, 2400);
  EXPECT_EQ(r.standard.restarts(), 1);
  // The correction knows the pulse's frequency: -1 ppm for the crystal's move, at once.
  EXPECT_NEAR(r.correction_ppm, -1, 0.05);
}

TEST(PulseStandard, ARestartGoesOnFromTheReferenceSaved) {
  // A run that learnt the crystal at -5 ppm against the pulse, its correction reckoned from there;
  // after a power cut the crystal is at -4 ppm (warmer): the correction takes the 1 ppm out at once.
  PulseStandard before;
  for (int64_t s = 0; s < 20; ++s) before.add(s * kS, -5000 * s);
  ASSERT_TRUE(before.reference_ppm());
  EXPECT_NEAR(*before.reference_ppm(), -5, 1e-6);
  PulseStandard after;
  after.restore(*before.reference_ppm());
  for (int64_t s = 0; s < 16; ++s) after.add(s * kS, 123'456 - 4000 * s);
  ASSERT_TRUE(after.correction_ppm(15 * kS));
  EXPECT_NEAR(*after.correction_ppm(15 * kS), -1, 1e-6);
  after.restore(7);  // too late: the fit has begun
  EXPECT_NEAR(*after.reference_ppm(), -5, 1e-6);
}

TEST(PulseStandard, AStrayEdgeBeforeTheFirstFitIsNotTakenEither) {
  PulseStandard p;
  for (int64_t s = 0; s < 5; ++s) ASSERT_TRUE(p.add(s * kS, 40'000 * s));  // 40 ppm fast
  EXPECT_FALSE(p.add(5 * kS + 400'000'000, 400'000'000));                  // noise, mid-second
  for (int64_t s = 5; s < 16; ++s) ASSERT_TRUE(p.add(s * kS + kS / 2, 40'000 * s + 20'000));
  ASSERT_TRUE(p.crystal_ppm());
  EXPECT_NEAR(*p.crystal_ppm(), 40, 1e-6);
}

TEST(PulseStandard, AStrayEdgeIsNotTakenAMovedPulseIs) {
  PulseStandard p;
  int64_t s = 0;
  for (; s < 100; ++s) ASSERT_TRUE(p.add(s * kS, 1000 * s));
  EXPECT_FALSE(p.add(s * kS + 300'000'000, 300'000'000));  // noise on the line: a stray edge
  for (++s; s < 110; ++s) ASSERT_TRUE(p.add(s * kS, 1000 * s));
  // The pulse jumps by 0.25 s (its oscillator re-set): kPulseJumps edges later it is followed.
  int taken_at = -1;
  for (int i = 0; i < 10; ++i, ++s) {
    if (p.add(s * kS, 1000 * s + 250'000'000) && taken_at < 0) taken_at = i;
  }
  EXPECT_EQ(taken_at, kPulseJumps - 1);
  EXPECT_EQ(p.restarts(), 1);
  EXPECT_FALSE(p.add(s * kS - kS, 0));  // not after the last: not taken
}

TEST(PulseStandard, AWildPulseIsClamped) {
  Crystal r{[](double t) { return t < 1000 ? 0.0 : 300.0; }, 0};
  r.go(0, 1200);
  EXPECT_DOUBLE_EQ(r.correction_ppm, -kMaxPulseCorrectionPpm);
}

TEST(PulseStandard, JitterIsMeasured) {
  Crystal r{[](double) { return 7.0; }, 3000};
  r.go(0, 200);
  EXPECT_GT(r.standard.jitter_ns(), 1500);
  EXPECT_LT(r.standard.jitter_ns(), 4500);
}

}  // namespace
}  // namespace lansync::core
