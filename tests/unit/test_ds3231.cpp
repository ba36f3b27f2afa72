// Unit vectors for the DS3231 register codec (codec/ds3231): BCD, 12/24-hour mode, the century, temperature,
// the square wave.
#include <gtest/gtest.h>

#include <random>

#include "../support/seed.hpp"
#include "codec/ds3231.hpp"

namespace lansync::codec::ds3231 {
namespace {

struct Regs {
  uint8_t r[kTimeSize];
};

DateTime decoded(const Regs& regs) {
  auto t = decode_time(regs.r);
  EXPECT_TRUE(t.ok()) << describe(t.error());
  return *t;
}

Error refused(const Regs& regs) {
  auto t = decode_time(regs.r);
  EXPECT_FALSE(t.ok());
  return t.error();
}

Regs encoded(const DateTime& t, bool twelve_hour) {
  Regs regs{};
  auto r = encode_time(t, twelve_hour, regs.r);
  EXPECT_TRUE(r.ok()) << describe(r.error());
  return regs;
}

DateTime at(uint16_t y, uint8_t mo, uint8_t d, uint8_t h, uint8_t mi, uint8_t s) {
  DateTime t;
  t.year = y;
  t.month = mo;
  t.day = d;
  t.hour = h;
  t.minute = mi;
  t.second = s;
  return t;
}

TEST(Ds3231, DecodesBcdIn24HourMode) {
  DateTime t = decoded({{0x56, 0x34, 0x12, 0x05, 0x31, 0x12, 0x99}});
  EXPECT_EQ(t.year, 2099);
  EXPECT_EQ(t.month, 12);
  EXPECT_EQ(t.day, 31);
  EXPECT_EQ(t.hour, 12);
  EXPECT_EQ(t.minute, 34);
  EXPECT_EQ(t.second, 56);
  EXPECT_EQ(t.weekday, 5);
  EXPECT_EQ(decoded({{0x00, 0x00, 0x23, 0x01, 0x01, 0x01, 0x26}}).hour, 23);  // the 20-hour bit
}

TEST(Ds3231, CenturyRollover) {
  // 2099-12-31 23:59:59, a Thursday, then 2100-01-01 00:00:00, a Friday: the
  // year register wraps to 00 and the month register's century bit is set.
  Regs last = encoded(at(2099, 12, 31, 23, 59, 59), false);
  EXPECT_EQ(last.r[kRegMonth], 0x12);
  EXPECT_EQ(last.r[kRegYear], 0x99);
  EXPECT_EQ(last.r[kRegWeekday], 5);
  Regs first = encoded(at(2100, 1, 1, 0, 0, 0), false);
  const uint8_t want[kTimeSize] = {0x00, 0x00, 0x00, 0x06, 0x01, 0x81, 0x00};
  for (size_t i = 0; i < kTimeSize; ++i) EXPECT_EQ(first.r[i], want[i]) << "register " << i;
  EXPECT_EQ(to_unix_seconds(decoded(last)), 4'102'444'799);
  EXPECT_EQ(to_unix_seconds(decoded(first)), 4'102'444'800);
  EXPECT_EQ(decoded({{0x00, 0x00, 0x00, 0x01, 0x31, 0x92, 0x99}}).year, 2199);
}

TEST(Ds3231, TwelveHourMode) {
  // 12 AM is midnight, 12 PM noon; bit 6 = 12-hour mode, bit 5 = PM.
  struct Case {
    uint8_t hour24, reg;
  };
  const Case cases[] = {{0, 0x52}, {1, 0x41}, {11, 0x51}, {12, 0x72}, {13, 0x61}, {23, 0x71}};
  for (const Case& c : cases) {
    Regs regs = encoded(at(2026, 3, 1, c.hour24, 0, 0), true);
    EXPECT_EQ(regs.r[kRegHours], c.reg) << int{c.hour24};
    EXPECT_TRUE(is_twelve_hour(regs.r[kRegHours]));
    EXPECT_EQ(decoded(regs).hour, c.hour24) << int{c.reg};
  }
  EXPECT_FALSE(is_twelve_hour(encoded(at(2026, 3, 1, 23, 0, 0), false).r[kRegHours]));
}

TEST(Ds3231, RefusesWhatNoClockShows) {
  EXPECT_EQ(refused({{0x5A, 0x00, 0x00, 0x01, 0x01, 0x01, 0x26}}), Error::BadBcd);
  EXPECT_EQ(refused({{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}}), Error::BadBcd);
  EXPECT_EQ(refused({{0x00, 0x60, 0x00, 0x01, 0x01, 0x01, 0x26}}), Error::FieldOutOfRange);
  EXPECT_EQ(refused({{0x00, 0x00, 0x24, 0x01, 0x01, 0x01, 0x26}}), Error::FieldOutOfRange);
  EXPECT_EQ(refused({{0x00, 0x00, 0x40, 0x01, 0x01, 0x01, 0x26}}), Error::FieldOutOfRange);  // 0 in 12 h
  EXPECT_EQ(refused({{0x00, 0x00, 0x53, 0x01, 0x01, 0x01, 0x26}}), Error::FieldOutOfRange);  // 13 in 12 h
  EXPECT_EQ(refused({{0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x26}}), Error::FieldOutOfRange);  // day 0
  EXPECT_EQ(refused({{0x00, 0x00, 0x00, 0x01, 0x01, 0x13, 0x26}}), Error::FieldOutOfRange);  // month 13
  EXPECT_EQ(refused({{0x00, 0x00, 0x00, 0x01, 0x29, 0x02, 0x23}}), Error::NoSuchDate);
  EXPECT_EQ(refused({{0x00, 0x00, 0x00, 0x01, 0x31, 0x04, 0x26}}), Error::NoSuchDate);
  // The chip counts 2100 as a leap year; the date it then shows never exists.
  EXPECT_EQ(refused({{0x00, 0x00, 0x00, 0x01, 0x29, 0x82, 0x00}}), Error::NoSuchDate);
  EXPECT_EQ(decoded({{0x00, 0x00, 0x00, 0x01, 0x29, 0x02, 0x24}}).day, 29);
  EXPECT_EQ(decoded({{0x00, 0x00, 0x00, 0x01, 0x29, 0x02, 0x00}}).year, 2000);
}

TEST(Ds3231, EncodeRefusesOutOfRange) {
  uint8_t regs[kTimeSize];
  EXPECT_EQ(encode_time(at(1999, 12, 31, 0, 0, 0), false, regs).error(), Error::YearOutOfRange);
  EXPECT_EQ(encode_time(at(2200, 1, 1, 0, 0, 0), false, regs).error(), Error::YearOutOfRange);
  EXPECT_EQ(encode_time(at(2026, 2, 29, 0, 0, 0), false, regs).error(), Error::NoSuchDate);
  EXPECT_EQ(encode_time(at(2026, 1, 1, 24, 0, 0), false, regs).error(), Error::FieldOutOfRange);
  EXPECT_EQ(from_unix_seconds(946'684'799).error(), Error::YearOutOfRange);    // 1999-12-31 23:59:59
  EXPECT_EQ(from_unix_seconds(7'258'118'400).error(), Error::YearOutOfRange);  // 2200-01-01
  EXPECT_EQ(from_unix_seconds(7'258'118'399)->year, 2199);
  EXPECT_EQ(from_unix_seconds(946'684'800)->weekday, 7);  // 2000-01-01, a Saturday
}

TEST(Ds3231, RoundTripsRandomTimesInBothModes) {
  auto rng = testing::seeded_rng();
  std::uniform_int_distribution<int64_t> dist(946'684'800, 7'258'118'399);
  for (int i = 0; i < 20'000; ++i) {
    int64_t s = dist(rng);
    bool twelve = (i & 1) != 0;
    auto t = from_unix_seconds(s);
    ASSERT_TRUE(t.ok());
    uint8_t regs[kTimeSize];
    ASSERT_TRUE(encode_time(*t, twelve, regs).ok());
    auto back = decode_time(regs);
    ASSERT_TRUE(back.ok()) << s;
    ASSERT_EQ(to_unix_seconds(*back), s);
    ASSERT_EQ(back->weekday, t->weekday);
  }
}

TEST(Ds3231, Temperature) {
  EXPECT_EQ(decode_temperature_qc(0x19, 0x40), 101);  // +25.25 °C
  EXPECT_EQ(decode_temperature_qc(0x00, 0x00), 0);
  EXPECT_EQ(decode_temperature_qc(0xFF, 0xC0), -1);    // -0.25 °C
  EXPECT_EQ(decode_temperature_qc(0xFF, 0x00), -4);    // -1.00 °C
  EXPECT_EQ(decode_temperature_qc(0xF5, 0x40), -43);   // -10.75 °C
  EXPECT_EQ(decode_temperature_qc(0x80, 0x00), -512);  // -128.00 °C
  EXPECT_EQ(decode_temperature_qc(0x7F, 0xC0), 511);   // +127.75 °C
  EXPECT_EQ(decode_temperature_qc(0x19, 0x7F), 101);   // the unused low bits are ignored
  for (int q = -512; q <= 511; ++q) {
    uint8_t msb = 0, lsb = 0;
    encode_temperature_qc(static_cast<int16_t>(q), &msb, &lsb);
    ASSERT_EQ(lsb & 0x3F, 0) << q;
    ASSERT_EQ(decode_temperature_qc(msb, lsb), q) << q;
  }
}

TEST(Ds3231, AgingIsSigned) {
  EXPECT_EQ(decode_aging(0x00), 0);
  EXPECT_EQ(decode_aging(0x7F), 127);
  EXPECT_EQ(decode_aging(0x80), -128);
  EXPECT_EQ(decode_aging(0xFF), -1);
  EXPECT_EQ(encode_aging(-5), 0xFB);
}

TEST(Ds3231, ControlAndStatus) {
  Control c = decode_control(0x1C);  // power-on value
  EXPECT_FALSE(c.stop_on_battery);
  EXPECT_TRUE(c.intcn);
  EXPECT_EQ(c.rate_select, 3);
  EXPECT_FALSE(c.conv);
  EXPECT_EQ(encode_control(c), 0x1C);
  c.stop_on_battery = true;
  c.conv = true;
  EXPECT_EQ(encode_control(c), 0xBC);
  StatusFlags s = decode_status(0x88);  // power-on value: OSF and EN32kHz
  EXPECT_TRUE(s.osf);
  EXPECT_TRUE(s.en32khz);
  EXPECT_FALSE(s.busy);
  EXPECT_EQ(encode_status(s), 0x88);
  EXPECT_TRUE(decode_status(0x07).busy);
  EXPECT_TRUE(decode_status(0x07).alarm1);
  EXPECT_TRUE(decode_status(0x07).alarm2);
}

TEST(Ds3231, SquareWaveIsOffWhileIntcnIsSetElseTheRateSelected) {
  EXPECT_EQ(square_wave_hz(decode_control(0x1C)), 0);  // power-on: the alarm interrupt, RS = 8.192 kHz
  EXPECT_EQ(square_wave_hz(decode_control(0x04)), 0);
  EXPECT_EQ(square_wave_hz(decode_control(0x00)), 1);
  EXPECT_EQ(square_wave_hz(decode_control(0x08)), 1024);
  EXPECT_EQ(square_wave_hz(decode_control(0x10)), 4096);
  EXPECT_EQ(square_wave_hz(decode_control(0x18)), 8192);
  EXPECT_EQ(square_wave_hz(decode_control(0xE3)), 1);  // EOSC, BBSQW, CONV and the alarms do not count
  EXPECT_EQ(kControlIntcn | kControlRateSelect, 0x1C);
}

TEST(Ds3231, Bcd) {
  EXPECT_EQ(to_bcd(59), 0x59);
  EXPECT_EQ(*from_bcd(0x59), 59);
  EXPECT_FALSE(from_bcd(0x0A).ok());
  EXPECT_FALSE(from_bcd(0xA0).ok());
}

}  // namespace
}  // namespace lansync::codec::ds3231
