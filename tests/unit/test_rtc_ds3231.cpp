// Unit tests of the DS3231-over-I2C back end (os/rtc_ds3231) against the emulated chip.
#include <gtest/gtest.h>

#include "../support/ds3231_emulator.hpp"
#include "../support/fake_clock.hpp"
#include "os/rtc_ds3231.hpp"

namespace lansync::os {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t k2026 = 1'772'323'200;  // 2026-03-01 00:00:00 UTC

struct Ds3231Test : ::testing::Test {
  testing::FakeClock clock;
  testing::Ds3231Emulator chip{clock};
  Ds3231Rtc rtc{chip};
};

TEST_F(Ds3231Test, AFreshChipShowsYear2000AndIsInvalid) {
  auto r = rtc.read_time();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->has_time);
  EXPECT_EQ(r->unix_s, 946'684'800);
  EXPECT_FALSE(r->valid);
  EXPECT_NE(r->problem.find("oscillator-stop flag (OSF) is set"), std::string::npos) << r->problem;
}

TEST_F(Ds3231Test, SetTimeWritesTheRegistersAndClearsOsfAndEosc) {
  chip.poke(0x0E, 0x9C);  // EOSC set: would stop on battery
  clock.advance(300'000'000);
  ASSERT_TRUE(rtc.set_time(k2026 + 3723).ok());  // 01:02:03
  EXPECT_EQ(chip.peek(0x00), 0x03);
  EXPECT_EQ(chip.peek(0x01), 0x02);
  EXPECT_EQ(chip.peek(0x02), 0x01);
  EXPECT_EQ(chip.peek(0x03), 0x01);  // Sunday
  EXPECT_EQ(chip.peek(0x04), 0x01);
  EXPECT_EQ(chip.peek(0x05), 0x03);
  EXPECT_EQ(chip.peek(0x06), 0x26);
  EXPECT_EQ(chip.peek(0x0F) & 0x80, 0);     // OSF cleared
  EXPECT_EQ(chip.peek(0x0F) & 0x08, 0x08);  // EN32kHz kept
  EXPECT_EQ(chip.peek(0x0E), 0x1C);         // EOSC cleared, the rest kept
  // The write started the chip's second: its countdown began at the write.
  EXPECT_EQ(chip.time_ns(), (k2026 + 3723) * kS);
  auto r = rtc.read_time();
  EXPECT_TRUE(r->valid);
  EXPECT_EQ(r->unix_s, k2026 + 3723);
}

TEST_F(Ds3231Test, KeepsTimeAndRollsIntoTheNextCentury) {
  chip.load_time(2099, 12, 31, 23, 59, 59);
  chip.poke(0x0F, 0x08);
  clock.advance(1 * kS);
  auto r = rtc.read_time();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->valid);
  EXPECT_EQ(r->unix_s, 4'102'444'800);  // 2100-01-01 00:00:00
  EXPECT_EQ(chip.peek(0x05), 0x81);     // the century bit
  EXPECT_EQ(chip.peek(0x06), 0x00);
}

TEST_F(Ds3231Test, TwelveHourModeIsReadAndKept) {
  chip.load_time(2026, 3, 1, 23, 59, 59, /*twelve_hour=*/true);
  chip.poke(0x0F, 0x08);
  EXPECT_EQ(chip.peek(0x02), 0x71);  // 11 PM
  clock.advance(1 * kS);
  auto r = rtc.read_time();
  EXPECT_EQ(r->unix_s, k2026 + 86'400);  // midnight: 12 AM of 2 March
  EXPECT_EQ(chip.peek(0x02), 0x52);
  ASSERT_TRUE(rtc.set_time(k2026 + 13 * 3600).ok());  // 1 PM
  EXPECT_EQ(chip.peek(0x02), 0x61);
  EXPECT_EQ(rtc.read_time()->unix_s, k2026 + 13 * 3600);
}

TEST_F(Ds3231Test, TheChipsLeapDayIn2100IsRefused) {
  chip.load_time(2100, 2, 28, 23, 59, 59);
  chip.poke(0x0F, 0x08);
  clock.advance(1 * kS);
  auto r = rtc.read_time();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_time);
  EXPECT_FALSE(r->valid);
  EXPECT_EQ(r->problem, "the DS3231's time registers hold no valid date (the date does not exist)");
}

TEST_F(Ds3231Test, GarbageRegistersAreNoDate) {
  chip.poke(0x00, 0xFF);
  chip.poke(0x0F, 0x08);
  auto r = rtc.read_time();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->valid);
  EXPECT_NE(r->problem.find("digit above 9"), std::string::npos) << r->problem;
}

TEST_F(Ds3231Test, DetailsGiveTemperatureAgingAndFlags) {
  chip.temperature_qc = -43;  // -10.75 °C
  chip.poke(0x10, 0xFB);      // aging -5
  auto d = rtc.read_details();
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->temperature_qc, -43);
  EXPECT_EQ(d->aging, -5);
  EXPECT_TRUE(d->osf);
  EXPECT_FALSE(d->stop_on_battery);
  EXPECT_FALSE(d->twelve_hour);
}

TEST_F(Ds3231Test, AgingIsWrittenAndAppliedAtOnce) {
  ASSERT_TRUE(rtc.write_aging(-7).ok());
  EXPECT_EQ(chip.peek(0x10), 0xF9);
  EXPECT_EQ(chip.effective_aging(), -7);  // CONV forced a TCXO update
  EXPECT_EQ(chip.peek(0x0E) & 0x20, 0);   // CONV clears itself
}

TEST_F(Ds3231Test, SquareWaveIsSetAndClearedInTheControlRegisterAlone) {
  chip.load_unix(k2026);
  chip.poke(0x0E, 0x5C);  // BBSQW and the power-on bits
  chip.poke(0x10, 0x03);
  uint8_t before[0x11];
  for (int r = 0; r < 0x11; ++r) before[r] = chip.peek(r);
  int transfers = chip.transfers;
  auto was = rtc.write_square_wave(true);
  ASSERT_TRUE(was.ok()) << was.error().message;
  EXPECT_EQ(*was, 0);                        // it was the alarm interrupt
  EXPECT_EQ(chip.peek(0x0E), 0x40);          // INTCN, RS2, RS1 cleared; BBSQW kept
  EXPECT_EQ(chip.transfers - transfers, 2);  // one read, one write
  before[0x0E] = 0x40;                       // nothing else changed: the clock stood still
  for (int r = 0; r < 0x11; ++r) EXPECT_EQ(chip.peek(r), before[r]) << "register " << r;
  EXPECT_EQ(rtc.read_details()->square_wave_hz, 1);
  was = rtc.write_square_wave(false);
  ASSERT_TRUE(was.ok());
  EXPECT_EQ(*was, 1);
  EXPECT_EQ(chip.peek(0x0E), 0x44);  // INTCN set: the alarm interrupt again
  EXPECT_EQ(rtc.read_details()->square_wave_hz, 0);
}

TEST_F(Ds3231Test, DetailsGiveTheSquareWavesRate) {
  EXPECT_EQ(rtc.read_details()->square_wave_hz, 0);  // power-on 0x1C
  chip.poke(0x0E, 0x08);
  EXPECT_EQ(rtc.read_details()->square_wave_hz, 1024);
  chip.poke(0x0E, 0x10);
  EXPECT_EQ(rtc.read_details()->square_wave_hz, 4096);
  chip.poke(0x0E, 0x18);
  EXPECT_EQ(rtc.read_details()->square_wave_hz, 8192);
}

TEST_F(Ds3231Test, AgingCancelsACrystalError) {
  // A crystal 2.0 ppm fast gains 173 ms a day; aging +20 (about +2.0 ppm slower) cancels it.
  chip.crystal_ppm = 2.0;
  ASSERT_TRUE(rtc.set_time(k2026).ok());
  clock.advance(86'400 * kS);
  EXPECT_NEAR(static_cast<double>(chip.time_ns() - (k2026 + 86'400) * kS) / 1e6, 172.8, 0.01);
  ASSERT_TRUE(rtc.set_time(k2026).ok());
  ASSERT_TRUE(rtc.write_aging(20).ok());
  clock.advance(86'400 * kS);
  EXPECT_NEAR(static_cast<double>(chip.time_ns() - (k2026 + 86'400) * kS) / 1e6, 0, 0.01);
}

TEST_F(Ds3231Test, EoscLosesTimeOnBatteryUntilSetTimeClearsIt) {
  ASSERT_TRUE(rtc.set_time(k2026).ok());
  chip.poke(0x0E, 0x9C);  // someone set EOSC
  chip.run_on_battery(3600 * kS);
  auto r = rtc.read_time();
  EXPECT_FALSE(r->valid);  // OSF: the hour on battery was lost
  EXPECT_EQ(r->unix_s, k2026);
  ASSERT_TRUE(rtc.set_time(k2026 + 3600).ok());
  chip.run_on_battery(3600 * kS);
  r = rtc.read_time();
  EXPECT_TRUE(r->valid);
  EXPECT_EQ(r->unix_s, k2026 + 7200);
}

TEST_F(Ds3231Test, BusErrorsAreReported) {
  chip.fail_transfers = 1;
  auto r = rtc.read_time();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("Remote I/O error"), std::string::npos) << r.error().message;
  EXPECT_TRUE(rtc.read_time().ok());  // the next one goes through
  chip.absent = true;
  EXPECT_FALSE(rtc.set_time(k2026).ok());
  EXPECT_FALSE(rtc.write_aging(1).ok());
  EXPECT_FALSE(rtc.write_square_wave(true).ok());
  EXPECT_FALSE(rtc.read_details().ok());
}

TEST_F(Ds3231Test, OutOfRangeTimesAreRefusedBeforeTheBus) {
  int before = chip.transfers;
  auto st = rtc.set_time(946'684'799);  // 1999
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "cannot set DS3231 at 0x68 on /dev/i2c-emulated: the year is outside 2000-2199");
  EXPECT_EQ(chip.transfers, before);
}

}  // namespace
}  // namespace lansync::os
