// Tests of UpstreamClock (tools/sntpd/upstream/upstream_clock): what an upstream's correction
// does to the clock and to what the kernel says of it.
#include <gtest/gtest.h>

#include "../support/fake_clock.hpp"
#include "upstream/upstream_clock.hpp"
#include "upstream/upstream_follower.hpp"

namespace lansync::sntpd {
namespace {

// After the first update's step (1 h off at boot), the kernel is told at once that the clock is
// synchronized and how well, with the frequency the drift file gave kept (tests/vm/clock.sh
// checks the same on a real kernel: timedatectl said "no" at time-sync.target before).
TEST(SntpdUpstreamClock, AStepThenMarksTheKernelSynchronized) {
  testing::FakeClock clock;
  clock.status.synchronized = false;  // as the kernel boots: STA_UNSYNC, a 16 s maximum error
  clock.status.max_error_ns = 16'000'000'000;
  UpstreamClock upstream_clock(clock, "");
  UpstreamAction a;
  a.discipline.kind = core::Discipline::Step;
  a.discipline.offset_ns = 3'600'000'000'000;
  a.reference.name = "10.0.2.2:11231";
  a.first = true;
  ASSERT_TRUE(upstream_clock.apply(a));
  ASSERT_EQ(clock.steps.size(), 1u);
  EXPECT_EQ(clock.steps[0], 3'600'000'000'000);
  EXPECT_TRUE(clock.disciplines.empty()) << "the step itself set the frequency";
  ASSERT_TRUE(upstream_clock.mark_synchronized(12.5, 2'000'000, 100'000));
  ASSERT_EQ(clock.disciplines.size(), 1u);
  EXPECT_EQ(clock.disciplines[0], 12.5);
  EXPECT_TRUE(clock.status.synchronized);
  EXPECT_EQ(clock.status.max_error_ns, 2'000'000);
}

// A clock that refuses is not marked synchronized.
TEST(SntpdUpstreamClock, ARefusingClockStaysUnsynchronized) {
  testing::FakeClock clock;
  clock.fail_changes = true;
  UpstreamClock upstream_clock(clock, "");
  UpstreamAction a;
  a.discipline.kind = core::Discipline::Step;
  a.discipline.offset_ns = 5'000'000'000;
  EXPECT_FALSE(upstream_clock.apply(a));
  EXPECT_FALSE(upstream_clock.mark_synchronized(0, 2'000'000, 100'000));
  EXPECT_TRUE(clock.steps.empty());
  EXPECT_FALSE(clock.status.synchronized);
}

}  // namespace
}  // namespace lansync::sntpd
