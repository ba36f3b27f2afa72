// Unit tests of the DS3231 rules (proto/ds3231) that os/rtc_ds3231 and the board share: when a
// read is trustworthy, what a set writes and clears, and the INT/SQW pin's setting.
#include <gtest/gtest.h>

#include <cstdint>

#include "codec/ds3231.hpp"
#include "proto/ds3231.hpp"

namespace lansync::proto {
namespace {

namespace ds = codec::ds3231;

// 2026-11-22 09:14:07 UTC, 24-hour mode; control 0x1C, status 0.
constexpr int64_t kUnix = 1'795'338'847;
uint8_t g_regs[ds::kRegisterCount] = {0x07, 0x14, 0x09, 0x01, 0x22, 0x11, 0x26, 0,    0,   0,
                                      0,    0,    0,    0,    0x1C, 0x00, 0,    0x19, 0x40};

TEST(Ds3231Rules, AReadWithOsfClearAndAGoodTimeIsValid) {
  Ds3231Read r = read_ds3231(g_regs, sizeof(g_regs));
  EXPECT_EQ(r.validity, Ds3231Validity::Valid);
  EXPECT_TRUE(r.has_time);
  EXPECT_EQ(r.unix_s, kUnix);
  EXPECT_FALSE(r.twelve_hour);
  EXPECT_EQ(r.control, 0x1C);
  EXPECT_EQ(r.status, 0x00);
}

TEST(Ds3231Rules, OsfSetStopsTheTimeButItIsStillRead) {
  uint8_t regs[ds::kRegisterCount];
  for (size_t i = 0; i < sizeof(regs); ++i) regs[i] = g_regs[i];
  regs[ds::kRegStatus] = ds::kStatusOsf | 0x03;
  Ds3231Read r = read_ds3231(regs, sizeof(regs));
  EXPECT_EQ(r.validity, Ds3231Validity::Stopped);
  EXPECT_TRUE(r.has_time);
  EXPECT_EQ(r.unix_s, kUnix);
  EXPECT_EQ(r.status, ds::kStatusOsf | 0x03);
  regs[ds::kRegMonth] = 0x13;  // month 13: OSF still comes first
  r = read_ds3231(regs, sizeof(regs));
  EXPECT_EQ(r.validity, Ds3231Validity::Stopped);
  EXPECT_FALSE(r.has_time);
  EXPECT_EQ(r.time_error, ds::Error::FieldOutOfRange);
}

TEST(Ds3231Rules, AnImpossibleTimeOrAShortReadIsUnreadable) {
  uint8_t regs[ds::kRegisterCount];
  for (size_t i = 0; i < sizeof(regs); ++i) regs[i] = g_regs[i];
  regs[ds::kRegMinutes] = 0x6A;  // not BCD
  Ds3231Read r = read_ds3231(regs, sizeof(regs));
  EXPECT_EQ(r.validity, Ds3231Validity::Unreadable);
  EXPECT_FALSE(r.has_time);
  EXPECT_EQ(r.time_error, ds::Error::BadBcd);
  EXPECT_EQ(read_ds3231(g_regs, ds::kTimeSize - 1).validity, Ds3231Validity::Unreadable);
}

TEST(Ds3231Rules, TheTimeAloneTakesOsfAsClear) {
  uint8_t regs[ds::kRegisterCount];
  for (size_t i = 0; i < sizeof(regs); ++i) regs[i] = g_regs[i];
  regs[ds::kRegStatus] = ds::kStatusOsf;
  Ds3231Read r = read_ds3231(regs, ds::kTimeSize);
  EXPECT_EQ(r.validity, Ds3231Validity::Valid);
  EXPECT_EQ(r.control, 0x1C) << "the power-on value";
  EXPECT_EQ(r.status, 0);
}

TEST(Ds3231Rules, ASetKeepsTheHourModeAndStaysInTheChipsCentury) {
  uint8_t regs[ds::kTimeSize];
  ASSERT_TRUE(ds3231_time_registers(kUnix + 4 * 3600, true, regs).ok());  // 13:14:07 -> 1 PM
  EXPECT_EQ(regs[ds::kRegHours], ds::kHours12 | ds::kHoursPm | 0x01);
  Ds3231Read r = read_ds3231(regs, sizeof(regs));
  EXPECT_TRUE(r.twelve_hour);
  EXPECT_EQ(r.unix_s, kUnix + 4 * 3600);
  ASSERT_TRUE(ds3231_time_registers(kUnix, false, regs).ok());
  for (size_t i = 0; i < ds::kTimeSize; ++i) EXPECT_EQ(regs[i], g_regs[i]) << i;
  auto early = ds3231_time_registers(946'684'799, false, regs);  // 1999-12-31 23:59:59
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error(), ds::Error::YearOutOfRange);
}

TEST(Ds3231Rules, ASetClearsEoscConvAndOsfAndKeepsTheRest) {
  uint8_t out[2];
  ds3231_control_status_after_set(0xFF, 0xFF, out);
  EXPECT_EQ(out[0], 0xFF & ~ds::kControlEosc & ~ds::kControlConv);
  EXPECT_EQ(out[1], 0xFF & ~ds::kStatusOsf);
  ds3231_control_status_after_set(0x1C, 0x8B, out);
  EXPECT_EQ(out[0], 0x1C);
  EXPECT_EQ(out[1], 0x0B);
}

TEST(Ds3231Rules, A1HzSquareWaveClearsIntcnAndTheRateAndKeepsTheRest) {
  EXPECT_EQ(ds3231_control_for_square_wave(0x1C, true), 0x00);  // from the power-on value
  EXPECT_EQ(ds3231_control_for_square_wave(0x5C, true), 0x40);  // BBSQW kept: the wave runs on battery
  EXPECT_EQ(ds3231_control_for_square_wave(0x9F, true), 0x83);  // EOSC and the alarm enables kept
  EXPECT_EQ(ds3231_control_for_square_wave(0x3C, true), 0x00);  // CONV not written back
  EXPECT_EQ(ds3231_control_for_square_wave(0x00, true), 0x00);  // already 1 Hz
  EXPECT_EQ(ds::square_wave_hz(ds::decode_control(ds3231_control_for_square_wave(0xFF, true))), 1);
}

TEST(Ds3231Rules, SquareWaveOffSetsIntcnAndKeepsTheRest) {
  EXPECT_EQ(ds3231_control_for_square_wave(0x00, false), 0x04);
  EXPECT_EQ(ds3231_control_for_square_wave(0x40, false), 0x44);
  EXPECT_EQ(ds3231_control_for_square_wave(0x1C, false), 0x1C);  // the power-on value stays
  EXPECT_EQ(ds3231_control_for_square_wave(0x2B, false), 0x0F);  // CONV dropped, RS1 and the alarms kept
  EXPECT_EQ(ds::square_wave_hz(ds::decode_control(ds3231_control_for_square_wave(0x00, false))), 0);
}

}  // namespace
}  // namespace lansync::proto
