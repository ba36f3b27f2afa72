// Boot-flow tests (flow/rtc_sync): the RTC sets the system clock, a good system clock sets the RTC.
//
// Both back ends, the emulated DS3231 and a fake /dev/rtc, with the fake
// clock: nothing here reads or changes the machine's clock.
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "../support/ds3231_emulator.hpp"
#include "../support/fake_clock.hpp"
#include "../support/fake_rtc_device.hpp"
#include "../support/temp_dir.hpp"
#include "core/drift_log.hpp"
#include "core/rtc.hpp"
#include "flow/rtc_sync.hpp"
#include "os/file_sync_state.hpp"
#include "os/rtc_ds3231.hpp"
#include "os/rtc_kernel.hpp"

namespace lansync::os {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;
constexpr int64_t k2026 = 1'772'323'200;           // 2026-03-01 00:00:00 UTC
constexpr int64_t kEarliest = 1'767'225'600;       // 2026-01-01, as a build date
constexpr int64_t kBootTime = 3 * kS + 250 * kMs;  // a Pi without a battery clock boots near 1970

struct BootFlow : ::testing::Test {
  testing::FakeClock clock{kBootTime};
  testing::Ds3231Emulator chip{clock};
  Ds3231Rtc rtc{chip};
  testing::TempDir dir;
  std::string state = (dir.path() / "sync-state.json").string();

  flow::HcToSysReport hctosys() { return flow::rtc_to_system(rtc, clock, {kEarliest, state}); }
  flow::SysToHcReport systohc(bool force = false) {
    return flow::system_to_rtc(rtc, clock, {state, 30 * 60 * kS, force});
  }
  // Where the system clock stands against the chip's exact time, in ms.
  double system_minus_rtc_ms() { return static_cast<double>(clock.now_ns() - chip.time_ns()) / 1e6; }
};

TEST_F(BootFlow, ValidRtcSetsTheSystemClockToTheMillisecond) {
  chip.load_unix(k2026 + 12 * 3600, 400 * kMs);  // 12:00:00.400, OSF clear
  flow::HcToSysReport r = hctosys();
  ASSERT_EQ(r.outcome, flow::RtcOutcome::Done) << r.message;
  EXPECT_EQ(r.action, core::Correction::Step);
  ASSERT_EQ(clock.steps.size(), 1u);
  EXPECT_TRUE(r.tick.at_tick);
  EXPECT_LE(r.tick.tick_uncertainty_ns, 1 * kMs);
  // Polled every millisecond: the system clock lands within a millisecond of the RTC.
  EXPECT_LE(std::abs(system_minus_rtc_ms()), 1.0);
  auto s = read_sync_state(state);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->source, "rtc");
  EXPECT_EQ(*s->action, "step");
  EXPECT_NEAR(s->offset_s, static_cast<double>(r.offset_ns) / 1e9, 1e-6);
  // Waiting for the tick took at most a second, in sleeps of 1 ms: no busy loop.
  EXPECT_LE(clock.monotonic_ns(), 1001 * kMs);
  EXPECT_LE(clock.sleeps.size(), 1001u);
}

// udev starts rtcset-hctosys when /dev/rtc0 appears, which can be after sntpd stepped the clock
// to its upstream (the VM tier saw an RTC 1 h behind set the clock back an hour): a clock trusted
// by anything but the RTC is left as it is, and nothing is recorded.
TEST_F(BootFlow, AClockAnUpstreamSetIsLeftAlone) {
  chip.load_unix(k2026 + 12 * 3600 - 3600, 0);  // an hour behind
  clock.set((k2026 + 12 * 3600) * kS);
  SyncState s{.last_sync_unix = static_cast<double>(k2026 + 12 * 3600 - 2), .source = "ntp:10.0.2.2"};
  stamp_boot(s, *clock.boot_stamp());
  ASSERT_TRUE(write_sync_state(state, s).ok());
  flow::HcToSysReport r = hctosys();
  ASSERT_EQ(r.outcome, flow::RtcOutcome::Done) << r.message;
  EXPECT_EQ(r.action, core::Correction::None);
  EXPECT_NE(r.left_alone.find("(source ntp:10.0.2.2)"), std::string::npos) << r.left_alone;
  EXPECT_NEAR(static_cast<double>(r.offset_ns) / 1e9, -3600, 1);
  EXPECT_TRUE(clock.steps.empty());
  EXPECT_EQ(read_sync_state(state)->source, "ntp:10.0.2.2") << "the record was replaced";
}

// The same when a daemon disciplines the clock: the kernel says synchronized.
TEST_F(BootFlow, AClockTheKernelSaysSynchronizedIsLeftAlone) {
  chip.load_unix(k2026, 0);
  clock.set((k2026 + 5) * kS);
  clock.status.synchronized = true;
  flow::HcToSysReport r = hctosys();
  ASSERT_EQ(r.outcome, flow::RtcOutcome::Done) << r.message;
  EXPECT_EQ(r.left_alone, "the kernel reports the clock synchronized");
  EXPECT_TRUE(clock.steps.empty());
}

// But a record the RTC itself wrote earlier in this boot does not stop it setting the clock again.
TEST_F(BootFlow, TheRtcsOwnRecordDoesNotStopIt) {
  chip.load_unix(k2026 + 100, 0);
  clock.set((k2026 + 90) * kS);
  SyncState s{.last_sync_unix = static_cast<double>(k2026 + 80), .source = "rtc"};
  stamp_boot(s, *clock.boot_stamp());
  ASSERT_TRUE(write_sync_state(state, s).ok());
  flow::HcToSysReport r = hctosys();
  ASSERT_EQ(r.outcome, flow::RtcOutcome::Done) << r.message;
  EXPECT_TRUE(r.left_alone.empty()) << r.left_alone;
  EXPECT_EQ(clock.steps.size(), 1u);
}

// A power cut does not run time back: an RTC showing an hour before the last sync the file
// records (from an earlier boot) has lost that hour, and is refused, the record kept.  The VM
// tier's guest, booted with its RTC an hour behind after a cut, was served as good from it.
TEST_F(BootFlow, AnRtcBehindTheLastRecordedSyncIsRefused) {
  chip.load_unix(k2026 + 12 * 3600 - 3600, 0);
  SyncState s{.last_sync_unix = static_cast<double>(k2026 + 12 * 3600 - 10), .source = "ntp:10.0.2.2"};
  ASSERT_TRUE(write_sync_state(state, s).ok());
  flow::HcToSysReport r = hctosys();
  EXPECT_EQ(r.outcome, flow::RtcOutcome::Refused);
  EXPECT_NE(r.message.find("59 min 4"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("before the last sync the sync-state file records (2026-03-01 11:59:50 UTC, "
                           "source ntp:10.0.2.2): it lost time"),
            std::string::npos)
      << r.message;
  EXPECT_TRUE(clock.steps.empty());
  EXPECT_EQ(read_sync_state(state)->source, "ntp:10.0.2.2") << "the record was replaced";
}

// Within the RTC's second of the record it is not: the record may be of a moment just before the cut.
TEST_F(BootFlow, AnRtcASecondBehindTheLastRecordIsUsed) {
  chip.load_unix(k2026 + 100, 0);
  SyncState s{.last_sync_unix = static_cast<double>(k2026 + 102), .source = "phone"};
  ASSERT_TRUE(write_sync_state(state, s).ok());
  flow::HcToSysReport r = hctosys();
  ASSERT_EQ(r.outcome, flow::RtcOutcome::Done) << r.message;
  EXPECT_EQ(clock.steps.size(), 1u);
}

TEST_F(BootFlow, OscillatorStoppedLeavesTheSystemClockAlone) {
  chip.load_unix(k2026, 0);
  chip.stop_oscillator();
  chip.start_oscillator();  // power is back; the flag stays until the time is set
  flow::HcToSysReport r = hctosys();
  EXPECT_EQ(r.outcome, flow::RtcOutcome::Refused);
  EXPECT_NE(r.message.find("oscillator-stop flag (OSF) is set"), std::string::npos) << r.message;
  EXPECT_TRUE(clock.steps.empty());
  EXPECT_TRUE(clock.slews.empty());
  EXPECT_FALSE(read_sync_state(state).ok());  // nothing recorded
}

TEST_F(BootFlow, AFreshChipIsRefused) {
  flow::HcToSysReport r = hctosys();  // 2000-01-01 and OSF, as from the factory
  EXPECT_EQ(r.outcome, flow::RtcOutcome::Refused);
  EXPECT_TRUE(clock.steps.empty());
}

TEST_F(BootFlow, ATimeBeforeTheBuildIsRefused) {
  chip.load_unix(946'684'800 + 5, 0);  // 2000-01-01 00:00:05 with OSF cleared by someone
  flow::HcToSysReport r = hctosys();
  EXPECT_EQ(r.outcome, flow::RtcOutcome::Refused);
  EXPECT_EQ(
      r.message,
      "the RTC shows 2000-01-01 00:00:06 UTC, before 2026-01-01 00:00:00 UTC, the earliest time this build "
      "accepts: it was reset");
  EXPECT_TRUE(clock.steps.empty());
}

TEST_F(BootFlow, AStoppedOscillatorWithoutOsfIsCaught) {
  chip.load_unix(k2026, 0);
  chip.stop_oscillator();
  chip.poke(0x0F, 0x08);  // OSF cleared, the oscillator still stopped
  flow::HcToSysReport r = hctosys();
  EXPECT_EQ(r.outcome, flow::RtcOutcome::Refused);
  EXPECT_EQ(r.message, "the RTC's seconds did not advance within 1.2 s: its oscillator is not running");
  EXPECT_TRUE(clock.steps.empty());
  EXPECT_LE(clock.monotonic_ns(), 1300 * kMs);  // and it gave up in bounded time
}

TEST_F(BootFlow, RtcReadErrorIsAnRtcFailure) {
  chip.load_unix(k2026, 0);
  chip.fail_transfers = 1;
  flow::HcToSysReport r = hctosys();
  EXPECT_EQ(r.outcome, flow::RtcOutcome::RtcFailed);
  EXPECT_NE(r.message.find("Remote I/O error"), std::string::npos) << r.message;
  EXPECT_TRUE(clock.steps.empty());
}

TEST_F(BootFlow, AClockThatCannotBeSetIsAClockFailure) {
  chip.load_unix(k2026, 0);
  clock.fail_changes = true;
  flow::HcToSysReport r = hctosys();
  EXPECT_EQ(r.outcome, flow::RtcOutcome::ClockFailed);
  EXPECT_EQ(r.message, "cannot step: Operation not permitted");
  EXPECT_FALSE(read_sync_state(state).ok());
}

TEST_F(BootFlow, SynchronizedClockIsWrittenAtTheSecondBoundary) {
  clock.set((k2026 + 100) * kS + 300 * kMs);  // NTP set it; x.300
  clock.status.synchronized = true;
  chip.stop_oscillator();  // the RTC is invalid: OSF
  chip.start_oscillator();
  flow::SysToHcReport r = systohc();
  ASSERT_EQ(r.outcome, flow::RtcOutcome::Done) << r.message;
  EXPECT_TRUE(r.verdict.allowed);
  EXPECT_FALSE(r.was_valid);
  EXPECT_EQ(r.written.second_unix_s, k2026 + 101);
  EXPECT_EQ(r.written.late_ns, 0);
  // Written at the whole second, the chip's countdown starting then: the two agree exactly.
  EXPECT_EQ(system_minus_rtc_ms(), 0);
  EXPECT_EQ(chip.peek(0x0F) & 0x80, 0);  // OSF cleared
  // Slept, did not spin: a long sleep and a short one.
  EXPECT_LE(clock.sleeps.size(), 3u);
  clock.advance(3600 * kS);
  EXPECT_EQ(system_minus_rtc_ms(), 0);  // an ideal crystal keeps it
  EXPECT_TRUE(rtc.read_time()->valid);
}

TEST_F(BootFlow, UntrustedClockIsNotWritten) {
  clock.set((k2026 + 100) * kS);
  flow::SysToHcReport r = systohc();
  EXPECT_EQ(r.outcome, flow::RtcOutcome::Refused);
  EXPECT_EQ(r.message,
            "the kernel reports the clock unsynchronized, and there is no record that the clock was ever set "
            "(cannot "
            "open " +
                state + ": No such file or directory)");
  EXPECT_EQ(chip.transfers, 0);  // the RTC was not even touched
}

TEST_F(BootFlow, ForceWritesAnyway) {
  clock.set((k2026 + 100) * kS + 999 * kMs);
  flow::SysToHcReport r = systohc(/*force=*/true);
  ASSERT_EQ(r.outcome, flow::RtcOutcome::Done) << r.message;
  EXPECT_FALSE(r.verdict.allowed);
  EXPECT_EQ(r.written.second_unix_s, k2026 + 101);
  EXPECT_EQ(system_minus_rtc_ms(), 0);
}

TEST_F(BootFlow, APhoneSetClockGoesToTheRtc) {
  clock.set((k2026 + 100) * kS + 500 * kMs);
  SyncState s;
  s.last_sync_unix = static_cast<double>(k2026 + 40);
  s.source = "phone";
  stamp_boot(s, *clock.boot_stamp());
  ASSERT_TRUE(write_sync_state(state, s).ok());
  flow::SysToHcReport r = systohc();
  ASSERT_EQ(r.outcome, flow::RtcOutcome::Done) << r.message;
  EXPECT_EQ(r.verdict.reason,
            "the clock was set or verified 1 min 00 s ago by the wall clock (source phone)");
}

// sntpd following a GPS receiver's pulse records source gps:pps: a trusted reference like any other.
TEST_F(BootFlow, AGpsSetClockGoesToTheRtc) {
  clock.set((k2026 + 100) * kS + 500 * kMs);
  SyncState s{.last_sync_unix = static_cast<double>(k2026 + 99), .source = "gps:pps"};
  stamp_boot(s, *clock.boot_stamp());
  ASSERT_TRUE(write_sync_state(state, s).ok());
  flow::SysToHcReport r = systohc();
  ASSERT_EQ(r.outcome, flow::RtcOutcome::Done) << r.message;
  EXPECT_TRUE(r.verdict.allowed);
  EXPECT_EQ(r.written.second_unix_s, k2026 + 101);
  EXPECT_NE(r.verdict.reason.find("(source gps:pps)"), std::string::npos) << r.verdict.reason;
}

TEST_F(BootFlow, ARecordOfAnEarlierBootDoesNotReachTheRtc) {
  clock.set((k2026 + 100) * kS);
  SyncState s{.last_sync_unix = static_cast<double>(k2026 + 40), .source = "phone"};
  stamp_boot(s, *clock.boot_stamp());
  ASSERT_TRUE(write_sync_state(state, s).ok());
  clock.reboot("9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d");  // fake-hwclock: the clock is where it was
  flow::SysToHcReport r = systohc();
  EXPECT_EQ(r.outcome, flow::RtcOutcome::Refused);
  EXPECT_NE(r.message.find("from an earlier boot"), std::string::npos) << r.message;
}

TEST_F(BootFlow, TheRtcIsNotCopiedBackIntoItself) {
  chip.load_unix(k2026, 0);
  ASSERT_EQ(hctosys().outcome, flow::RtcOutcome::Done);
  int transfers = chip.transfers;
  flow::SysToHcReport r = systohc();
  EXPECT_EQ(r.outcome, flow::RtcOutcome::Refused);
  EXPECT_NE(r.message.find("last set from the RTC itself"), std::string::npos) << r.message;
  EXPECT_EQ(chip.transfers, transfers);
}

TEST_F(BootFlow, TheWholePlanAcrossAPowerCut) {
  // Day 1: NTP is reachable, the RTC (its crystal 2 ppm fast) gets the time.
  chip.crystal_ppm = 2.0;
  clock.set((k2026 + 100) * kS + 123 * kMs);
  clock.status.synchronized = true;
  ASSERT_EQ(systohc().outcome, flow::RtcOutcome::Done);
  int64_t written_true_ns = clock.now_ns(), written_mono_ns = clock.monotonic_ns();
  // Three days without power; the Pi comes back near 1970.
  chip.run_on_battery(3 * 86'400 * kS);
  clock.set(kBootTime);
  clock.reboot("9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d");
  clock.status.synchronized = false;
  flow::HcToSysReport r = hctosys();
  ASSERT_EQ(r.outcome, flow::RtcOutcome::Done) << r.message;
  // The RTC vouches for the time in this boot: its record names this boot.
  EXPECT_EQ(read_sync_state(state)->boot_id, clock.boot_id);
  EXPECT_LE(std::abs(system_minus_rtc_ms()), 1.0);
  // The system clock now carries the RTC's 3 days x 2 ppm = 518.4 ms: what trim is for.
  int64_t true_now_ns = written_true_ns + (clock.monotonic_ns() - written_mono_ns);
  EXPECT_NEAR(static_cast<double>(clock.now_ns() - true_now_ns) / 1e6, 518.4, 1.0);
}

// A day of driftlog against the RTC, as driftlog --source ds3231:... records it:
// offset = RTC - system every minute, the system clock synchronized (true).
std::vector<core::DriftRow> record_a_day(testing::FakeClock& clock, testing::Ds3231Emulator& chip) {
  std::vector<core::DriftRow> rows;
  for (int i = 0; i < 1440; ++i) {
    core::DriftRow r;
    r.line = static_cast<size_t>(i + 2);
    r.elapsed_s = i * 60.0;
    r.source = "ds3231:/dev/i2c-1";
    r.offset_s = static_cast<double>(chip.time_ns() - clock.now_ns()) / 1e9;
    r.status = core::ReadingStatus::Ok;
    rows.push_back(r);
    clock.advance(60 * kS);
  }
  return rows;
}

TEST_F(BootFlow, TrimClosesTheLoop) {
  chip.crystal_ppm = 1.53;
  clock.set(k2026 * kS);
  ASSERT_TRUE(rtc.set_time(k2026).ok());
  ASSERT_TRUE(rtc.write_aging(-4).ok());  // someone's earlier guess: the chip now runs 1.93 ppm fast
  auto drift = core::rtc_drift_from_rows(record_a_day(clock, chip));
  ASSERT_TRUE(drift.ok()) << drift.error().message;
  EXPECT_NEAR(drift->fit.slope * 1e6, 1.93, 0.001);

  flow::TrimReport dry = flow::trim_aging(rtc, *drift, /*apply=*/false);
  ASSERT_EQ(dry.outcome, flow::RtcOutcome::Done) << dry.message;
  EXPECT_EQ(dry.plan.current_aging, -4);
  EXPECT_EQ(dry.plan.proposed_aging, 15);
  EXPECT_FALSE(dry.written);
  EXPECT_EQ(chip.effective_aging(), -4);  // a dry run writes nothing

  flow::TrimReport done = flow::trim_aging(rtc, *drift, /*apply=*/true);
  ASSERT_EQ(done.outcome, flow::RtcOutcome::Done) << done.message;
  EXPECT_TRUE(done.written);
  EXPECT_EQ(chip.effective_aging(), 15);
  // Measured again: what is left is under one aging step (1.53 - 1.5 = 0.03 ppm).
  ASSERT_TRUE(rtc.set_time(clock.now_ns() / kS).ok());
  auto after = core::rtc_drift_from_rows(record_a_day(clock, chip));
  ASSERT_TRUE(after.ok());
  EXPECT_NEAR(after->fit.slope * 1e6, 0.03, 0.001);
}

TEST_F(BootFlow, TrimRefusesAnImpreciseRunWithoutTouchingTheRtc) {
  std::vector<core::DriftRow> rows;
  for (int i = 0; i < 20; ++i) {
    core::DriftRow r;
    r.elapsed_s = i * 60.0;
    r.source = "rtc:/dev/rtc0";
    r.offset_s = 0.001 * i;
    r.status = core::ReadingStatus::Ok;
    rows.push_back(r);
  }
  flow::TrimReport rep = flow::trim_aging(rtc, *core::rtc_drift_from_rows(rows), true);
  EXPECT_EQ(rep.outcome, flow::RtcOutcome::Refused);
  EXPECT_NE(rep.message.find("at least 1 h"), std::string::npos) << rep.message;
  EXPECT_EQ(chip.transfers, 0);
}

TEST(RtcSyncKernel, DevRtcPathBothWays) {
  testing::FakeClock clock{kBootTime};
  testing::FakeRtcDevice device{clock};
  KernelRtc rtc{device, "/dev/rtc0"};
  testing::TempDir dir;
  std::string state = (dir.path() / "sync-state.json").string();
  device.set_unix(k2026);
  clock.advance(700 * kMs);
  flow::HcToSysReport h = flow::rtc_to_system(rtc, clock, {kEarliest, state});
  ASSERT_EQ(h.outcome, flow::RtcOutcome::Done) << h.message;
  EXPECT_LE(std::abs(static_cast<double>(clock.now_ns() - device.time_ns()) / 1e6), 1.0);

  device.invalid = true;  // the driver's EINVAL: refused, untouched
  size_t steps = clock.steps.size();
  h = flow::rtc_to_system(rtc, clock, {kEarliest, state});
  EXPECT_EQ(h.outcome, flow::RtcOutcome::Refused);
  EXPECT_NE(h.message.find("EINVAL"), std::string::npos);
  EXPECT_EQ(clock.steps.size(), steps);

  clock.set((k2026 + 500) * kS + 10 * kMs);
  clock.status.synchronized = true;
  flow::SysToHcReport s = flow::system_to_rtc(rtc, clock, {state, 30 * 60 * kS, false});
  ASSERT_EQ(s.outcome, flow::RtcOutcome::Done) << s.message;
  EXPECT_EQ(device.last_set.tm_min, 8);  // 00:08:21
  EXPECT_EQ(device.last_set.tm_sec, 21);
  EXPECT_FALSE(device.invalid);
  EXPECT_EQ(device.time_ns(), clock.now_ns());
}

// A clock whose sleeps overrun by a set amount, for the late wake-up path.
class LateClock final : public Clock {
 public:
  int64_t now_ns() override { return now_; }
  Status step(int64_t) override { return ok(); }
  Status slew(int64_t) override { return ok(); }
  OsResult<KernelSyncStatus> sync_status() override { return KernelSyncStatus{}; }
  Status discipline(double, int64_t, int64_t) override { return ok(); }
  Status set_frequency(double) override { return ok(); }
  void sleep_ns(int64_t ns) override {
    ++sleeps;
    now_ += ns + (late_sleeps-- > 0 ? overrun_ns : 0);
  }
  int64_t now_ = k2026 * kS + 400 * kMs;
  int late_sleeps = 0;
  int64_t overrun_ns = 0;
  int sleeps = 0;
};

TEST(SecondBoundary, RetriesTheNextSecondWhenLate) {
  LateClock c;
  c.late_sleeps = 1;  // the first sleep overruns by 30 ms: 20 ms past the second
  c.overrun_ns = 30 * kMs;
  flow::SecondBoundary b = flow::wait_for_second_boundary(c, 5 * kMs);
  EXPECT_EQ(b.second_unix_s, k2026 + 2);
  EXPECT_EQ(b.late_ns, 0);
}

TEST(SecondBoundary, GivesUpAfterFiveLateWakeUps) {
  LateClock c;
  c.late_sleeps = 1000;
  c.overrun_ns = 30 * kMs;
  flow::SecondBoundary b = flow::wait_for_second_boundary(c, 5 * kMs);
  // The second it is in, and how far into it: still a consistent pair.
  EXPECT_EQ(b.second_unix_s * kS + b.late_ns, c.now_);
  EXPECT_GT(b.late_ns, 5 * kMs);
  EXPECT_LE(c.sleeps, 5 * 4);
}

}  // namespace
}  // namespace lansync::os
