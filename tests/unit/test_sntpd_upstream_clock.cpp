// Tests of UpstreamClock (tools/sntpd/upstream/upstream_clock): what an upstream's correction
// does to the clock and to what the kernel says of it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "../support/fake_clock.hpp"
#include "../support/temp_dir.hpp"
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

// A state file that cannot be written (a full or read-only card; here its directory is a file) is
// one warning naming it, however many updates fail, and one line when it is written again; the
// clock is corrected all along.
TEST(SntpdUpstreamClock, AStateFileThatCannotBeWrittenIsWarnedOnceAndItsReturnSaid) {
  testing::FakeClock clock;
  testing::TempDir dir;
  std::filesystem::path card = dir.path() / "card";
  std::ofstream(card) << "not a directory";
  std::string state = (card / "state.json").string();
  UpstreamClock upstream_clock(clock, state);
  UpstreamAction a;
  a.discipline.kind = core::Discipline::Slew;
  a.discipline.clock.is_update = true;
  a.source = "ntp:127.0.0.1";
  a.reference.name = "127.0.0.1:123";
  auto updates = [&](int n) {
    ::testing::internal::CaptureStderr();
    for (int i = 0; i < n; ++i) EXPECT_TRUE(upstream_clock.apply(a));
    return ::testing::internal::GetCapturedStderr();
  };
  std::string failing = updates(10);
  EXPECT_EQ(std::count(failing.begin(), failing.end(), '\n'), 2) << failing;  // "following", the warning
  EXPECT_NE(failing.find("warning: cannot record the sync in the state file: cannot use " + card.string() +
                         ": Not a directory\n"),
            std::string::npos)
      << failing;
  EXPECT_EQ(clock.disciplines.size(), 10u);
  std::filesystem::remove(card);
  std::string again = updates(10);
  EXPECT_EQ(std::count(again.begin(), again.end(), '\n'), 1) << again;
  EXPECT_NE(again.find("the sync is recorded in the state file " + state + " again\n"), std::string::npos)
      << again;
  EXPECT_TRUE(std::filesystem::exists(state));
}

}  // namespace
}  // namespace lansync::sntpd
