// DS3231 register codec; see ds3231.hpp.
#include "codec/ds3231.hpp"

namespace lansync::codec::ds3231 {
namespace {

bool bit(uint8_t reg, unsigned n) { return ((unsigned{reg} >> n) & 1u) != 0; }
uint8_t set_bit(bool on, unsigned n) { return on ? static_cast<uint8_t>(1u << n) : uint8_t{0}; }

// A masked BCD field that must lie in [lo, hi].
Result<uint8_t, Error> field(uint8_t reg, uint8_t mask, uint8_t lo, uint8_t hi) {
  auto v = from_bcd(static_cast<uint8_t>(reg & mask));
  if (!v) return v;
  if (*v < lo || *v > hi) return fail(Error::FieldOutOfRange);
  return v;
}

}  // namespace

const char* describe(Error e) {
  switch (e) {
    case Error::BadBcd: return "a register holds a digit above 9";
    case Error::FieldOutOfRange: return "a field is out of range";
    case Error::NoSuchDate: return "the date does not exist";
    case Error::YearOutOfRange: return "the year is outside 2000-2199";
  }
  return "unknown DS3231 error";
}

Result<uint8_t, Error> from_bcd(uint8_t bcd) {
  uint8_t hi = static_cast<uint8_t>(bcd >> 4);
  uint8_t lo = static_cast<uint8_t>(bcd & 0x0F);
  if (hi > 9 || lo > 9) return fail(Error::BadBcd);
  return static_cast<uint8_t>(hi * 10 + lo);
}

Result<DateTime, Error> decode_time(const uint8_t* regs) {
  DateTime t;
  auto second = field(regs[kRegSeconds], 0x7F, 0, 59);
  if (!second) return fail(second.error());
  auto minute = field(regs[kRegMinutes], 0x7F, 0, 59);
  if (!minute) return fail(minute.error());
  uint8_t h = regs[kRegHours];
  if (is_twelve_hour(h)) {
    // 12-hour mode: 12 AM is midnight, 12 PM is noon.
    auto hour12 = field(h, 0x1F, 1, 12);
    if (!hour12) return fail(hour12.error());
    uint8_t hour = *hour12 == 12 ? 0 : *hour12;
    t.hour = static_cast<uint8_t>((h & kHoursPm) != 0 ? hour + 12 : hour);
  } else {
    auto hour24 = field(h, 0x3F, 0, 23);
    if (!hour24) return fail(hour24.error());
    t.hour = *hour24;
  }
  auto day = field(regs[kRegDate], 0x3F, 1, 31);
  if (!day) return fail(day.error());
  auto month = field(regs[kRegMonth], 0x1F, 1, 12);
  if (!month) return fail(month.error());
  auto year = from_bcd(regs[kRegYear]);
  if (!year) return fail(year.error());
  t.second = *second;
  t.minute = *minute;
  t.day = *day;
  t.month = *month;
  t.year = static_cast<uint16_t>(kFirstYear + *year + ((regs[kRegMonth] & kMonthCentury) != 0 ? 100 : 0));
  t.weekday = static_cast<uint8_t>(regs[kRegWeekday] & 0x07);
  if (t.day > days_in_month(t.year, t.month)) return fail(Error::NoSuchDate);
  return t;
}

Result<Unit, Error> encode_time(const DateTime& t, bool twelve_hour, uint8_t* regs) {
  if (t.year < kFirstYear || t.year > kLastYear) return fail(Error::YearOutOfRange);
  CivilTime c{t.year, t.month, t.day, t.hour, t.minute, t.second};
  if (t.month < 1 || t.month > 12 || t.hour > 23 || t.minute > 59 || t.second > 59 || t.day < 1) {
    return fail(Error::FieldOutOfRange);
  }
  if (!is_valid_civil(c)) return fail(Error::NoSuchDate);
  regs[kRegSeconds] = to_bcd(t.second);
  regs[kRegMinutes] = to_bcd(t.minute);
  if (twelve_hour) {
    uint8_t hour12 = t.hour % 12 == 0 ? 12 : static_cast<uint8_t>(t.hour % 12);
    regs[kRegHours] = static_cast<uint8_t>(kHours12 | (t.hour >= 12 ? kHoursPm : 0) | to_bcd(hour12));
  } else {
    regs[kRegHours] = to_bcd(t.hour);
  }
  int64_t days = days_from_civil(t.year, t.month, t.day);
  regs[kRegWeekday] = static_cast<uint8_t>(weekday_from_days(days) + 1);
  regs[kRegDate] = to_bcd(t.day);
  bool century = t.year >= kFirstYear + 100;
  regs[kRegMonth] = static_cast<uint8_t>((century ? kMonthCentury : 0) | to_bcd(t.month));
  regs[kRegYear] = to_bcd(static_cast<uint8_t>(t.year % 100));
  return Unit{};
}

Result<DateTime, Error> from_unix_seconds(int64_t unix_s) {
  constexpr int64_t kFirst = days_from_civil(kFirstYear, 1, 1) * kSecondsPerDay;
  constexpr int64_t kEnd = days_from_civil(kLastYear + 1, 1, 1) * kSecondsPerDay;
  if (unix_s < kFirst || unix_s >= kEnd) return fail(Error::YearOutOfRange);
  CivilTime c = civil_from_unix_seconds(unix_s);
  DateTime t;
  t.year = static_cast<uint16_t>(c.year);
  t.month = c.month;
  t.day = c.day;
  t.hour = c.hour;
  t.minute = c.minute;
  t.second = c.second;
  t.weekday = static_cast<uint8_t>(weekday_from_days(days_from_civil(c.year, c.month, c.day)) + 1);
  return t;
}

int64_t to_unix_seconds(const DateTime& t) {
  return unix_seconds_from_civil(CivilTime{t.year, t.month, t.day, t.hour, t.minute, t.second});
}

Control decode_control(uint8_t reg) {
  Control c;
  c.stop_on_battery = bit(reg, 7);
  c.bbsqw = bit(reg, 6);
  c.conv = bit(reg, 5);
  c.rate_select = static_cast<uint8_t>((reg >> 3) & 0x03);
  c.intcn = bit(reg, 2);
  c.alarm2_enable = bit(reg, 1);
  c.alarm1_enable = bit(reg, 0);
  return c;
}

uint8_t encode_control(const Control& c) {
  return static_cast<uint8_t>(set_bit(c.stop_on_battery, 7) | set_bit(c.bbsqw, 6) | set_bit(c.conv, 5) |
                              ((c.rate_select & 0x03) << 3) | set_bit(c.intcn, 2) |
                              set_bit(c.alarm2_enable, 1) | set_bit(c.alarm1_enable, 0));
}

uint16_t square_wave_hz(const Control& c) {
  constexpr uint16_t kHz[4] = {1, 1024, 4096, 8192};
  return c.intcn ? 0 : kHz[c.rate_select & 0x03];
}

StatusFlags decode_status(uint8_t reg) {
  StatusFlags s;
  s.osf = bit(reg, 7);
  s.en32khz = bit(reg, 3);
  s.busy = bit(reg, 2);
  s.alarm2 = bit(reg, 1);
  s.alarm1 = bit(reg, 0);
  return s;
}

uint8_t encode_status(const StatusFlags& s) {
  return static_cast<uint8_t>(set_bit(s.osf, 7) | set_bit(s.en32khz, 3) | set_bit(s.busy, 2) |
                              set_bit(s.alarm2, 1) | set_bit(s.alarm1, 0));
}

int16_t decode_temperature_qc(uint8_t msb, uint8_t lsb) {
  // The integer part is signed; the two fraction bits extend it downwards.
  return static_cast<int16_t>(static_cast<int8_t>(msb) * 4 + (lsb >> 6));
}

void encode_temperature_qc(int16_t quarter_c, uint8_t* msb, uint8_t* lsb) {
  int32_t q = quarter_c < -512 ? -512 : (quarter_c > 511 ? 511 : quarter_c);
  // Floor division by 4 keeps the fraction non-negative, as the chip stores it.
  int32_t whole = q >= 0 ? q / 4 : -((-q + 3) / 4);
  *msb = static_cast<uint8_t>(static_cast<int8_t>(whole));
  *lsb = static_cast<uint8_t>((q - whole * 4) << 6);
}

}  // namespace lansync::codec::ds3231
