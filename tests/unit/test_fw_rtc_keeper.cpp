// Tests of the board's DS3231 keeper (firmware/board/rtc_keeper) on its own: the boot read and the
// wait for the tick, an absent, stopped or stalled chip, a write at the start of a second, and
// following it offline unless it disagrees with the clock.
#include <gtest/gtest.h>

#include "codec/ds3231.hpp"
#include "firmware/board/rtc_keeper.hpp"
#include "proto/ds3231.hpp"

namespace lansync::fw {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kT0 = 1'800'000'000;  // the RTC's time at boot, Unix s
using Kind = RtcOutcome::Kind;

RtcKeeperConfig config() {
  RtcKeeperConfig c;
  c.has_rtc = true;
  c.min_write_interval_ns = 3600 * kS;
  c.resync_interval_ns = 600 * kS;
  return c;
}

// The chip's 19 registers showing unix_s, with OSF set or not.
struct Registers {
  explicit Registers(int64_t unix_s, bool osf = false) {
    EXPECT_TRUE(proto::ds3231_time_registers(unix_s, false, regs));
    regs[codec::ds3231::kRegControl] = 0x1C;
    regs[codec::ds3231::kRegStatus] = osf ? 0x80 : 0x00;
  }
  uint8_t regs[codec::ds3231::kRegisterCount] = {};
};

RtcView view(const DisciplinedClock& clock, Reading r, bool online = false) {
  return RtcView{&clock, r, online};
}

// Boots the keeper on a chip showing kT0 whose second changes at tick_local_ns (> 0); returns the tick.
RtcOutcome boot(RtcKeeper& k, int64_t tick_local_ns) {
  k.start();
  RtcTransfer t;
  EXPECT_TRUE(k.transfer(0, &t));
  EXPECT_FALSE(t.write);
  EXPECT_EQ(t.size, codec::ds3231::kRegisterCount);
  EXPECT_EQ(k.on_read(Registers(kT0).regs, codec::ds3231::kRegisterCount, true, 0).kind, Kind::None);
  for (int64_t at = kMs;; at += kMs) {
    EXPECT_TRUE(k.transfer(at, &t));
    EXPECT_EQ(t.size, codec::ds3231::kTimeSize);
    RtcOutcome o = k.on_read(Registers(at >= tick_local_ns ? kT0 + 1 : kT0).regs, t.size, true, at);
    if (o.kind != Kind::None) return o;
  }
}

TEST(FwRtcKeeper, BootReadsUntilTheTickAndFollowsIt) {
  RtcKeeper k(config());
  RtcOutcome o = boot(k, 500 * kMs + kMs / 2);
  ASSERT_EQ(o.kind, Kind::Ticked);
  // The second began between the reads at 500 and 501 ms.
  EXPECT_EQ(o.tick.local_ns, 500 * kMs + kMs / 2);
  EXPECT_EQ(o.tick.utc_ns, (kT0 + 1) * kS);
  EXPECT_EQ(o.tick.delay_ns, kMs);
  DisciplinedClock clock;
  RtcOutcome f = k.on_tick(o.tick, 501 * kMs, view(clock, Reading{}));
  ASSERT_EQ(f.kind, Kind::Follow);
  EXPECT_EQ(f.error_ns, config().unknown_error_ns);  // an RTC of unknown age
  EXPECT_EQ(k.status(), RtcStatus::Valid);
  RtcTransfer t;
  EXPECT_FALSE(k.transfer(502 * kMs, &t));
}

TEST(FwRtcKeeper, ABetterClockAtBootIsNotOverriddenByTheRtc) {
  RtcKeeper k(config());
  RtcOutcome o = boot(k, 300 * kMs);
  DisciplinedClock clock;
  clock.step(0, kT0 * kS);
  EXPECT_EQ(k.on_tick(o.tick, 301 * kMs, view(clock, Reading{kT0 * kS, 5 * kMs, true, Source::Phone})).kind,
            Kind::None);
  EXPECT_EQ(k.status(), RtcStatus::Valid);
}

TEST(FwRtcKeeper, AnAbsentStoppedOrStalledChipIsUnusable) {
  RtcKeeper absent(config());
  absent.start();
  RtcOutcome o = absent.on_read(nullptr, 0, false, 0);
  EXPECT_EQ(o.kind, Kind::Event);
  EXPECT_EQ(o.code, static_cast<uint32_t>(RtcStatus::Missing));
  EXPECT_FALSE(absent.plannable());
  EXPECT_EQ(absent.wake_ns(0, false, 0), RtcKeeper::kNeverNs);

  RtcKeeper stopped(config());
  stopped.start();
  o = stopped.on_read(Registers(kT0, true).regs, codec::ds3231::kRegisterCount, true, 0);
  EXPECT_EQ(o.code, static_cast<uint32_t>(RtcStatus::Stopped));
  EXPECT_EQ(stopped.status(), RtcStatus::Stopped);

  RtcKeeper stalled(config());
  o = boot(stalled, 2 * kS);  // its seconds do not change within 1.1 s
  EXPECT_EQ(o.kind, Kind::Event);
  EXPECT_EQ(o.code, static_cast<uint32_t>(RtcStatus::NotTicking));
}

TEST(FwRtcKeeper, AGoodClockWritesTheRtcAtTheStartOfASecond) {
  RtcKeeper k(config());
  RtcOutcome o = boot(k, 100 * kMs);
  DisciplinedClock clock;
  k.on_tick(o.tick, 101 * kMs, view(clock, Reading{}));
  k.followed(o.tick, clock);
  // A server is heard and the clock is far better than the RTC of unknown age.
  int64_t local = 10 * kS;
  clock.step(local, kT0 * kS + 200 * kMs);
  RtcView good = view(clock, Reading{clock.utc_ns(local), 2 * kMs, true, Source::Ntp}, true);
  ASSERT_TRUE(k.plannable());
  EXPECT_EQ(k.plan(local, good).kind, Kind::None);
  RtcTransfer t;
  EXPECT_FALSE(k.transfer(local, &t));
  EXPECT_EQ(k.wake_ns(local, true, 1000 * kS), local + 800 * kMs - 30 * kMs);  // handed out 30 ms early
  ASSERT_TRUE(k.transfer(local + 800 * kMs - 30 * kMs, &t));
  EXPECT_TRUE(t.write);
  EXPECT_EQ(t.reg, codec::ds3231::kRegSeconds);
  EXPECT_EQ(t.at_local_ns, local + 800 * kMs);  // when the clock shows kT0 + 1
  EXPECT_EQ(t.data[codec::ds3231::kRegSeconds], Registers(kT0 + 1).regs[codec::ds3231::kRegSeconds]);
  EXPECT_EQ(k.on_written(true, t.at_local_ns, good).kind, Kind::None);
  ASSERT_TRUE(k.transfer(t.at_local_ns, &t));
  EXPECT_EQ(t.reg, codec::ds3231::kRegControl);
  EXPECT_EQ(t.size, 2);
  o = k.on_written(true, t.at_local_ns, good);
  EXPECT_EQ(o.event, EventKind::RtcWritten);
  EXPECT_EQ(o.value_ns, (kT0 + 1) * kS);
  EXPECT_EQ(k.set_unix_s(), kT0 + 1);
  EXPECT_EQ(k.set_error_ns(), 2 * kMs);
  // Its bound now grows from there at 2 ppm, plus 1 ms for meeting its tick.
  EXPECT_EQ(k.error_ns((kT0 + 1 + 1000) * kS), 2 * kMs + 2 * kMs + kMs);
}

TEST(FwRtcKeeper, AFailedWriteIsRetriedAfterAMinute) {
  RtcKeeper k(config());
  RtcOutcome o = boot(k, 100 * kMs);
  DisciplinedClock clock;
  k.on_tick(o.tick, 101 * kMs, view(clock, Reading{}));
  clock.step(kS, kT0 * kS);
  // Set by a phone: no server heard, but better than the RTC.
  auto good = [&](int64_t local_ns) {
    return view(clock, Reading{clock.utc_ns(local_ns), 2 * kMs, true, Source::Phone});
  };
  k.plan(kS, good(kS));
  RtcTransfer t;
  ASSERT_TRUE(k.transfer(2 * kS, &t));
  EXPECT_EQ(k.on_written(false, t.at_local_ns, good(t.at_local_ns)).event, EventKind::RtcWriteFailed);
  EXPECT_EQ(k.plan(30 * kS, good(30 * kS)).kind, Kind::None);
  EXPECT_FALSE(k.transfer(30 * kS, &t));
  k.plan(2 * 60 * kS, good(2 * 60 * kS));
  EXPECT_TRUE(k.transfer(2 * 60 * kS + kS, &t));
}

TEST(FwRtcKeeper, OfflineItFollowsTheRtcUnlessItDisagrees) {
  RtcKeeper k(config());
  RtcOutcome o = boot(k, 100 * kMs);
  DisciplinedClock clock;
  clock.step(0, kT0 * kS - 100 * kMs);
  k.on_tick(o.tick, 101 * kMs, view(clock, Reading{}));
  k.followed(o.tick, clock);
  // Ten minutes on, the server is silent: the keeper says so and waits for the tick.
  int64_t local = 700 * kS;
  RtcView offline = view(clock, Reading{clock.utc_ns(local), 3 * kMs, true, Source::Ntp});
  EXPECT_EQ(k.wake_ns(local - 100 * kS, false, 0), 600 * kS + 101 * kMs);  // the resync is due
  EXPECT_EQ(k.plan(local, offline).event, EventKind::Offline);
  RtcTransfer t;
  EXPECT_FALSE(k.transfer(local, &t));
  int64_t start = k.wake_ns(local, false, 0);
  // It ticked when the clock showed .9995 s, and the clock now shows .900: 20 ms before the next.
  EXPECT_EQ(start, local + 99 * kMs + kMs / 2 - 20 * kMs);
  // It shows a time 5 s off the clock's: both bounds say one of them is broken.
  k.on_read(Registers(kT0 + 700 + 5).regs, codec::ds3231::kTimeSize, true, start);
  o = k.on_read(Registers(kT0 + 701 + 5).regs, codec::ds3231::kTimeSize, true, start + 20 * kMs);
  ASSERT_EQ(o.kind, Kind::Ticked);
  o = k.on_tick(o.tick, start + 20 * kMs, offline);
  EXPECT_EQ(o.code, static_cast<uint32_t>(RtcStatus::Disagrees));
  EXPECT_EQ(k.status(), RtcStatus::Disagrees);
  // It is not followed again.
  EXPECT_EQ(k.plan(2000 * kS, offline).kind, Kind::None);
  EXPECT_FALSE(k.transfer(2000 * kS, &t));
}

}  // namespace
}  // namespace lansync::fw
