// The DS3231 real-time clock's register layout: time and date, control, status, aging, temperature.
//
// Maxim DS3231 datasheet (19-5170), "Timekeeping Registers" (00h-06h), "Control
// Register (0Eh)", "Status Register (0Fh)", "Aging Offset (10h)", "Temperature
// Registers (11h-12h)".  The chip sits at I2C address 0x68 and keeps BCD fields;
// hours are in 12- or 24-hour mode (bit 6 of 02h); bit 7 of the month register
// is the century, so the chip spans 2000-2199.  Its calendar takes every year
// divisible by 4 as a leap year, 2100 included: decode_time() refuses the
// 2100-02-29 that the chip will show, rather than passing on a date that never
// was.  Freestanding: rtcset and the ESP firmware compile this file.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "codec/calendar.hpp"
#include "codec/result.hpp"

namespace lansync::codec::ds3231 {

inline constexpr uint8_t kI2cAddress = 0x68;

// Register addresses.
inline constexpr uint8_t kRegSeconds = 0x00;
inline constexpr uint8_t kRegMinutes = 0x01;
inline constexpr uint8_t kRegHours = 0x02;
inline constexpr uint8_t kRegWeekday = 0x03;
inline constexpr uint8_t kRegDate = 0x04;
inline constexpr uint8_t kRegMonth = 0x05;  // bit 7: century
inline constexpr uint8_t kRegYear = 0x06;
inline constexpr uint8_t kRegControl = 0x0E;
inline constexpr uint8_t kRegStatus = 0x0F;
inline constexpr uint8_t kRegAging = 0x10;
inline constexpr uint8_t kRegTempMsb = 0x11;
inline constexpr uint8_t kRegTempLsb = 0x12;
inline constexpr size_t kTimeSize = 7;        // 00h..06h
inline constexpr size_t kRegisterCount = 19;  // 00h..12h

// Hours register bits.
inline constexpr uint8_t kHours12 = 0x40;  // 12-hour mode
inline constexpr uint8_t kHoursPm = 0x20;  // PM in 12-hour mode (the 20-hour digit in 24-hour mode)
inline constexpr uint8_t kMonthCentury = 0x80;

// Aging offset: one step changes the frequency by about 0.1 ppm at 25 °C;
// a positive value slows the clock (datasheet, "Aging Offset").
inline constexpr int32_t kAgingPpbPerStep = 100;

// The calendar range the century bit covers.
inline constexpr uint16_t kFirstYear = 2000;
inline constexpr uint16_t kLastYear = 2199;

enum class Error : uint8_t {
  BadBcd,           // a digit above 9
  FieldOutOfRange,  // e.g. minute 60, month 13, hour 13 in 12-hour mode, 0 o'clock in 12-hour mode
  NoSuchDate,       // a day the month does not have (30 February, 2100-02-29)
  YearOutOfRange,   // outside 2000..2199
};

const char* describe(Error e);

// Time and date as the chip holds them, hours always 0..23 here.
struct DateTime {
  uint16_t year = kFirstYear;  // 2000..2199
  uint8_t month = 1;           // 1..12
  uint8_t day = 1;             // 1..31
  uint8_t hour = 0;            // 0..23
  uint8_t minute = 0;          // 0..59
  uint8_t second = 0;          // 0..59
  uint8_t weekday = 1;         // register 03h as stored, 1..7 by convention (Linux: 1 = Sunday); not checked
};

// Registers 00h..06h (regs[0..6]) -> date and time, 12-hour mode converted.
Result<DateTime, Error> decode_time(const uint8_t* regs);

// Date and time -> registers 00h..06h, hours in 12- or 24-hour mode.  The
// weekday written is derived from the date (1 = Sunday), as Linux's driver does.
Result<Unit, Error> encode_time(const DateTime& t, bool twelve_hour, uint8_t* regs);

// Whether an hours register value is in 12-hour mode.
constexpr bool is_twelve_hour(uint8_t hours_reg) { return (hours_reg & kHours12) != 0; }

// Seconds since the Unix epoch <-> DateTime.  from_unix_seconds fails outside
// 2000-01-01 00:00:00 .. 2199-12-31 23:59:59 UTC.
Result<DateTime, Error> from_unix_seconds(int64_t unix_s);
int64_t to_unix_seconds(const DateTime& t);  // t as decode_time returns it

// Control register 0Eh.  Power-on value 0x1C (INTCN, RS2, RS1 set).
struct Control {
  bool stop_on_battery = false;  // bit 7 (EOSC): 1 stops the oscillator when on battery: time is lost
  bool bbsqw = false;            // bit 6: square wave on battery
  bool conv = false;             // bit 5: start a temperature conversion and TCXO update (self-clearing)
  uint8_t rate_select = 3;       // bits 4-3 (RS2, RS1): 1 Hz, 1.024, 4.096, 8.192 kHz
  bool intcn = true;             // bit 2: INT/SQW pin gives alarm interrupts, not the square wave
  bool alarm2_enable = false;    // bit 1 (A2IE)
  bool alarm1_enable = false;    // bit 0 (A1IE)
};
Control decode_control(uint8_t reg);
uint8_t encode_control(const Control& c);
// The square wave on the INT/SQW pin, in Hz: 0 when INTCN gives the pin to the
// alarms (no square wave), else 1, 1024, 4096 or 8192 as RS2, RS1 select.
uint16_t square_wave_hz(const Control& c);

// Status register 0Fh.  OSF, A2F and A1F can only be cleared by writing 0; BSY is read-only.
struct StatusFlags {
  bool osf = false;      // bit 7: the oscillator stopped at some time: the time is not trustworthy
  bool en32khz = false;  // bit 3: the 32 kHz output is enabled
  bool busy = false;     // bit 2: a temperature conversion / TCXO update is running
  bool alarm2 = false;   // bit 1 (A2F)
  bool alarm1 = false;   // bit 0 (A1F)
};
inline constexpr uint8_t kStatusOsf = 0x80;
inline constexpr uint8_t kStatusEn32khz = 0x08;
inline constexpr uint8_t kStatusBusy = 0x04;
inline constexpr uint8_t kControlConv = 0x20;
inline constexpr uint8_t kControlEosc = 0x80;
inline constexpr uint8_t kControlIntcn = 0x04;
inline constexpr uint8_t kControlRateSelect = 0x18;  // RS2, RS1
StatusFlags decode_status(uint8_t reg);
uint8_t encode_status(const StatusFlags& s);

// Aging offset register 10h: two's complement, -128..127 steps.
constexpr int8_t decode_aging(uint8_t reg) { return static_cast<int8_t>(reg); }
constexpr uint8_t encode_aging(int8_t steps) { return static_cast<uint8_t>(steps); }

// Temperature registers 11h (integer part) and 12h (bits 7-6: quarters): a
// 10-bit two's complement value in 0.25 °C steps -> quarter degrees Celsius
// (-512..511, i.e. -128.00..127.75 °C).
int16_t decode_temperature_qc(uint8_t msb, uint8_t lsb);
// Quarter degrees -> registers 11h and 12h (for an emulator); clamped to -512..511.
void encode_temperature_qc(int16_t quarter_c, uint8_t* msb, uint8_t* lsb);

// BCD helpers: value 0..99 <-> two digits.  from_bcd fails on a digit above 9.
constexpr uint8_t to_bcd(uint8_t v) { return static_cast<uint8_t>(((v / 10) << 4) | (v % 10)); }
Result<uint8_t, Error> from_bcd(uint8_t bcd);

}  // namespace lansync::codec::ds3231
