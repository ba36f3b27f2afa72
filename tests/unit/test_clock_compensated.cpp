// os/clock_compensated: the temperature's compensation beneath the frequency its users set, and
// the ledger of every correction.
#include <gtest/gtest.h>

#include "../support/fake_clock.hpp"
#include "os/clock_compensated.hpp"

namespace lansync::os {
namespace {

constexpr int64_t kS = 1'000'000'000;

struct Compensated : ::testing::Test {
  testing::FakeClock inner;
  int64_t mono = 0;
  CompensatedClock clock{inner, [this] { return mono; }};
};

TEST_F(Compensated, ItsUsersSeeTheirOwnFrequencyTheKernelTheSum) {
  ASSERT_TRUE(clock.discipline(-20, 5'000'000, 1'000'000));
  ASSERT_TRUE(clock.compensate(1.5));
  EXPECT_DOUBLE_EQ(inner.status.frequency_ppm, -18.5);
  EXPECT_DOUBLE_EQ(clock.sync_status()->frequency_ppm, -20);
  // The users' next setting keeps the compensation.
  ASSERT_TRUE(clock.discipline(-21, 5'000'000, 1'000'000));
  EXPECT_DOUBLE_EQ(inner.status.frequency_ppm, -19.5);
  ASSERT_TRUE(clock.set_frequency(-22));
  EXPECT_DOUBLE_EQ(inner.status.frequency_ppm, -20.5);
  EXPECT_DOUBLE_EQ(clock.compensation_ppm(), 1.5);
}

TEST_F(Compensated, ACompensationKeepsTheKernelsGrownErrorBound) {
  ASSERT_TRUE(clock.discipline(-20, 5'000'000, 1'000'000));
  inner.status.max_error_ns = 9'000'000;  // grown by the kernel since
  ASSERT_TRUE(clock.compensate(-0.5));
  EXPECT_EQ(inner.status.max_error_ns, 9'000'000);
  EXPECT_TRUE(inner.status.synchronized);
  EXPECT_DOUBLE_EQ(inner.status.frequency_ppm, -20.5);
}

TEST_F(Compensated, BeforeAnySettingTheKernelsFrequencyIsTheBase) {
  inner.status.frequency_ppm = 7;  // a drift file's, or another daemon's
  ASSERT_TRUE(clock.compensate(2));
  ASSERT_EQ(inner.frequencies.size(), 1u);
  EXPECT_DOUBLE_EQ(inner.frequencies.back(), 9);
  EXPECT_FALSE(inner.status.synchronized);  // set, not disciplined
  ASSERT_TRUE(clock.compensate(1));
  EXPECT_DOUBLE_EQ(inner.frequencies.back(), 8);
}

TEST_F(Compensated, TheLedgerSumsEveryFrequencyAndStep) {
  EXPECT_EQ(clock.corrections_ns(100 * kS), 0);
  ASSERT_TRUE(clock.set_frequency(10));
  mono = 100 * kS;
  EXPECT_EQ(clock.corrections_ns(mono), 1'000'000);  // 10 ppm for 100 s
  ASSERT_TRUE(clock.compensate(-10));                // 0 from here
  ASSERT_TRUE(clock.step(-3 * kS));
  mono = 200 * kS;
  EXPECT_EQ(clock.corrections_ns(mono), 1'000'000 - 3 * kS);
  ASSERT_TRUE(clock.slew(500'000));
  EXPECT_EQ(clock.corrections_ns(mono), 1'500'000 - 3 * kS);
}

TEST_F(Compensated, WhatTheInnerClockRefusesIsNotCounted) {
  ASSERT_TRUE(clock.set_frequency(10));
  inner.fail_changes = true;
  EXPECT_FALSE(clock.compensate(5));
  EXPECT_DOUBLE_EQ(clock.compensation_ppm(), 0);
  EXPECT_FALSE(clock.step(kS));
  mono = 10 * kS;
  EXPECT_EQ(clock.corrections_ns(mono), 100'000);
}

}  // namespace
}  // namespace lansync::os
