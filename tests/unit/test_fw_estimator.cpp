// Tests of the firmware's delay-weighted regression: exact lines, noisy paths, a frequency change.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "firmware/board/estimator.hpp"
#include "firmware/board/wide.hpp"
#include "seed.hpp"

namespace lansync::fw {
namespace {

constexpr int64_t kT = int64_t{1'795'000'000} * 1'000'000'000;
constexpr int64_t kS = 1'000'000'000;

// The reference's UTC at local time l when the crystal is freq_ppb slow.
int64_t truth(int64_t l, int64_t freq_ppb) { return kT + l + l * freq_ppb / 1'000'000'000; }

TEST(FwEstimator, RecoversAnExactLine) {
  Estimator e;
  for (int i = 0; i < 20; ++i) {
    int64_t l = 1000 * kS + i * 64 * kS;
    e.add({l, truth(l, 40'000), 2'000'000});
  }
  Fit f = e.fit(0);
  ASSERT_TRUE(f.ok);
  ASSERT_TRUE(f.freq_fitted);
  EXPECT_NEAR(static_cast<double>(ppb_from_q32(f.freq_q32)), 40'000, 1);
  int64_t later = 1000 * kS + 20 * 64 * kS;
  EXPECT_NEAR(static_cast<double>(f.predict(later) - truth(later, 40'000)), 0, 2'000);
  EXPECT_EQ(f.used, 20u);
  EXPECT_EQ(f.min_delay_ns, 2'000'000);
}

TEST(FwEstimator, TooFewSamplesGiveTheNewestAtTheHintedFrequency) {
  Estimator e;
  e.add({0, kT, 1'000'000});
  e.add({16 * kS, kT + 16 * kS + 500'000, 3'000'000});
  Fit f = e.fit(q32_from_ppb(7'000));
  EXPECT_TRUE(f.ok);
  EXPECT_FALSE(f.freq_fitted);
  EXPECT_EQ(f.utc_ns, kT + 16 * kS + 500'000);
  EXPECT_EQ(f.freq_q32, q32_from_ppb(7'000));
}

TEST(FwEstimator, QuickExchangesDecide) {
  // Most samples queued on the way back (late by up to their extra delay);
  // a few came through with the least delay and are exact.
  auto rng = testing::seeded_rng();
  std::exponential_distribution<double> queue(1.0 / 5e6);
  Estimator e;
  for (int i = 0; i < 40; ++i) {
    int64_t l = i * 30 * kS;
    bool quick = i % 8 == 0;
    auto extra = quick ? 0 : static_cast<int64_t>(queue(rng)) + 200'000;
    // Queueing on the return leg makes the offset look extra/2 too small.
    e.add({l, truth(l, -20'000) - extra / 2, 2'000'000 + extra});
  }
  Fit f = e.fit(0);
  ASSERT_TRUE(f.freq_fitted);
  int64_t at = 40 * 30 * kS;
  // An unweighted fit would be off by about a quarter of the mean extra delay (1.25 ms).
  EXPECT_LT(std::abs(static_cast<double>(f.predict(at) - truth(at, -20'000))), 300'000.0);
  EXPECT_NEAR(static_cast<double>(ppb_from_q32(f.freq_q32)), -20'000, 500);
}

// An exchange over a path with queueing on both legs, of a server whose
// clock is kT + l * (1 + freq_ppb), seen from a counter at local time l.
Sample exchange(int64_t l, int64_t up_ns, int64_t down_ns, int64_t freq_ppb) {
  int64_t t1 = l - (up_ns + down_ns) / 2;
  int64_t t2 = truth(t1 + up_ns, freq_ppb);  // the server stamps receive and transmit at once
  return {t1 + (up_ns + down_ns) / 2, t2, up_ns + down_ns};
}

TEST(FwEstimator, TheEnvelopeSeesThroughQueueingOnBothLegs) {
  // 4 ms of queueing on average each way (the bench's Wi-Fi): one sample errs
  // by 2 ms RMS, an average of 112 by 0.2 ms; the least-queued samples each
  // way pin the line far closer.
  auto rng = testing::seeded_rng();
  std::exponential_distribution<double> queue(1.0 / 4e6);
  double offset_ss = 0, freq_ss = 0, mean_ss = 0;
  constexpr int kTrials = 40;
  constexpr int kSamples = 112;  // 30 minutes, 16 s apart
  for (int trial = 0; trial < kTrials; ++trial) {
    Estimator e;
    double mean_error = 0;
    for (int i = 0; i < kSamples; ++i) {
      auto up = static_cast<int64_t>(queue(rng)), down = static_cast<int64_t>(queue(rng));
      e.add(exchange(i * 16 * kS, 1'000'000 + up, 1'000'000 + down, 25'000));
      mean_error += static_cast<double>(up - down) / 2 / kSamples;
    }
    Fit f = e.fit(0);
    ASSERT_TRUE(f.envelope);
    int64_t at = (kSamples - 1) * 16 * kS;
    double err = static_cast<double>(f.predict(at) - truth(at, 25'000));
    offset_ss += err * err / kTrials;
    double ferr = static_cast<double>(ppb_from_q32(f.freq_q32) - 25'000);
    freq_ss += ferr * ferr / kTrials;
    mean_ss += mean_error * mean_error / kTrials;
  }
  EXPECT_LT(std::sqrt(offset_ss), 150'000.0);  // 0.15 ms RMS
  EXPECT_LT(std::sqrt(offset_ss), 0.7 * std::sqrt(mean_ss));
  EXPECT_LT(std::sqrt(freq_ss), 200.0);  // 0.2 ppm RMS
}

TEST(FwEstimator, AConstantAsymmetryIsInvisible) {
  // 1 ms more up than down, no queueing: every client sees half of it.
  Estimator e;
  for (int i = 0; i < 60; ++i) e.add(exchange(i * 16 * kS, 2'000'000, 1'000'000, 0));
  Fit f = e.fit(0);
  ASSERT_TRUE(f.envelope);
  EXPECT_NEAR(static_cast<double>(f.predict(60 * 16 * kS) - truth(60 * 16 * kS, 0)), 500'000, 1'000);
}

TEST(FwEstimator, ShortHistoriesUseLeastSquares) {
  Estimator e;
  for (int i = 0; i < 10; ++i) {
    int64_t l = i * 16 * kS;  // 144 s: too short for the envelope
    e.add({l, truth(l, 10'000), 2'000'000});
  }
  Fit f = e.fit(0);
  EXPECT_TRUE(f.freq_fitted);
  EXPECT_FALSE(f.envelope);
  EXPECT_NEAR(static_cast<double>(ppb_from_q32(f.freq_q32)), 10'000, 5);
}

TEST(FwEstimator, KeepsTheNewestWhenFull) {
  Estimator e;
  for (size_t i = 0; i < Estimator::kCapacity + 5; ++i) {
    auto l = static_cast<int64_t>(i) * kS;
    e.add({l, kT + l, 1'000'000});
  }
  EXPECT_EQ(e.size(), Estimator::kCapacity);
  EXPECT_EQ(e.at(0).local_ns, static_cast<int64_t>(5 * kS));
  e.expire(10 * kS);
  EXPECT_EQ(e.at(0).local_ns, 10 * kS);
  e.clear();
  EXPECT_FALSE(e.fit(0).ok);
}

TEST(FwEstimator, SigmaGrowsWithExtraDelay) {
  Estimator e(20'000);
  EXPECT_EQ(e.sigma_ns(2'000'000, 2'000'000), 20'000);
  EXPECT_EQ(e.sigma_ns(6'000'000, 2'000'000), 2'020'000);
}

}  // namespace
}  // namespace lansync::fw
