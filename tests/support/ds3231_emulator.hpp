// An emulated DS3231 on an I2C bus, keeping time from a fake clock, for tests of the DS3231 back end.
//
// It behaves as the datasheet (Maxim 19-5170) describes, and is written
// independently of codec/ds3231 so that a misreading there is not mirrored
// here: BCD registers 00h-12h with an auto-incrementing pointer that wraps at
// 12h; time latched at each read; 12- and 24-hour mode kept while it ticks;
// the century bit toggling at 99 -> 00; the chip's own calendar, which takes
// 2100 for a leap year; writing the seconds restarts the one-second countdown;
// OSF set at power-on and when the oscillator stops, cleared only by writing
// 0; EOSC stopping the oscillator on battery; the aging offset (0.1 ppm per
// step, positive slower) applied at the next temperature conversion (every
// 64 s, or at once through CONV); temperature from the test.  Its rate is the
// fake clock's real time (FakeClock::monotonic_ns) times 1 + (crystal error -
// aging) ppm.  Transfers can be made to fail, one by one or all (no chip).
#pragma once

#include <cerrno>
#include <cstdint>
#include <string>

#include "fake_clock.hpp"
#include "os/rtc_i2c.hpp"

namespace lansync::testing {

class Ds3231Emulator final : public os::I2cBus {
 public:
  static constexpr uint8_t kAddress = 0x68;
  static constexpr int kRegs = 0x13;

  explicit Ds3231Emulator(FakeClock& clock) : clock_(clock), last_mono_ns_(clock.monotonic_ns()) {
    power_on_reset();
  }

  const std::string& name() const override { return name_; }

  os::Status transfer(uint8_t address, const uint8_t* out, size_t out_size, uint8_t* in,
                      size_t in_size) override {
    advance();
    ++transfers;
    if (absent || address != kAddress) {
      errno = ENXIO;
      return os::errno_error("cannot write to the emulated bus");
    }
    if (fail_transfers > 0) {
      --fail_transfers;
      errno = EREMOTEIO;
      return os::errno_error("cannot write to the emulated bus");
    }
    if (out_size > 0) {
      pointer_ = out[0] % kRegs;
      for (size_t i = 1; i < out_size; ++i) {
        write_register(pointer_, out[i]);
        pointer_ = (pointer_ + 1) % kRegs;
      }
    }
    for (size_t i = 0; i < in_size; ++i) {
      in[i] = read_register(pointer_);
      pointer_ = (pointer_ + 1) % kRegs;
    }
    return os::ok();
  }

  // The registers as on a first power-up: 2000-01-01 00:00:00, OSF set.
  void power_on_reset() {
    for (uint8_t& r : regs_) r = 0;
    regs_[0x03] = 0x01;  // weekday
    regs_[0x04] = 0x01;  // date
    regs_[0x05] = 0x01;  // month
    regs_[0x0E] = 0x1C;  // INTCN, RS2, RS1
    regs_[0x0F] = 0x88;  // OSF, EN32kHz
    phase_ns_ = 0;
    effective_aging_ = 0;
    stopped_ = false;
  }

  // Loads a date and time straight into the registers (no countdown reset,
  // OSF untouched): the state a test starts from.
  void load_time(int year, int month, int day, int hour, int minute, int second, bool twelve_hour = false) {
    advance();
    regs_[0x00] = bcd(second);
    regs_[0x01] = bcd(minute);
    regs_[0x02] = encode_hour(hour, twelve_hour);
    regs_[0x04] = bcd(day);
    regs_[0x05] = static_cast<uint8_t>(bcd(month) | (year >= 2100 ? 0x80 : 0));
    regs_[0x06] = bcd(year % 100);
  }

  // Loads the time as Unix seconds (UTC) and a sub-second phase, and clears OSF.
  void load_unix(int64_t unix_s, int64_t phase_ns = 0, bool twelve_hour = false) {
    int64_t days = unix_s / 86'400, rem = unix_s % 86'400;
    // Days since 2000-01-01 (10957 days after 1970), walked with the chip's calendar.
    int64_t d = days - 10'957;
    int year = 2000, month = 1;
    while (d >= days_in_year(year)) d -= days_in_year(year++);
    while (d >= days_in_month(year, month)) d -= days_in_month(year, month++);
    load_time(year, month, static_cast<int>(d) + 1, static_cast<int>(rem / 3600),
              static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60), twelve_hour);
    phase_ns_ = phase_ns;
    regs_[0x0F] = static_cast<uint8_t>(regs_[0x0F] & ~0x80);
  }

  // The chip's time in Unix nanoseconds, its countdown included; valid for
  // dates the Gregorian and the chip's calendar agree on (not 2100-02-29 on).
  int64_t time_ns() {
    advance();
    int year = 2000 + unbcd(regs_[0x06]) + ((regs_[0x05] & 0x80) != 0 ? 100 : 0);
    int month = unbcd(regs_[0x05] & 0x1F);
    int64_t days = 10'957;
    for (int y = 2000; y < year; ++y) days += days_in_year(y);
    for (int m = 1; m < month; ++m) days += days_in_month(year, m);
    days += unbcd(regs_[0x04]) - 1;
    int64_t s = days * 86'400 + int64_t{decode_hour(regs_[0x02])} * 3600 + unbcd(regs_[0x01]) * 60 +
                unbcd(regs_[0x00]);
    return s * 1'000'000'000 + phase_ns_;
  }

  uint8_t peek(int reg) {
    advance();
    return read_register(reg);
  }
  void poke(int reg, uint8_t value) {
    advance();
    regs_[reg] = value;
  }

  // The oscillator stops (OSF set, time frozen) until start_oscillator().
  void stop_oscillator() {
    advance();
    stopped_ = true;
    regs_[0x0F] |= 0x80;
  }
  void start_oscillator() {
    advance();
    stopped_ = false;
  }

  // Main power off for ns of the fake clock's real time: with EOSC set the
  // oscillator stops meanwhile, and OSF is set.
  void run_on_battery(int64_t ns) {
    advance();
    bool eosc = (regs_[0x0E] & 0x80) != 0;
    clock_.advance(ns);
    if (eosc) {
      last_mono_ns_ = clock_.monotonic_ns();
      regs_[0x0F] |= 0x80;
    } else {
      advance();
    }
  }

  double crystal_ppm = 0;      // the oscillator's own error; positive: fast
  int16_t temperature_qc = 0;  // quarter degrees Celsius, shown at 11h-12h
  bool absent = false;         // nothing answers at 0x68
  int fail_transfers = 0;      // the next N transfers fail (EREMOTEIO)
  int transfers = 0;
  int conversions = 0;  // temperature conversions / TCXO updates so far
  int effective_aging() const { return effective_aging_; }

 private:
  static uint8_t bcd(int v) { return static_cast<uint8_t>(((v / 10) << 4) | (v % 10)); }
  static int unbcd(uint8_t b) { return (b >> 4) * 10 + (b & 0x0F); }
  // The chip's leap rule: every fourth year, 2100 included.
  static int days_in_year(int y) { return y % 4 == 0 ? 366 : 365; }
  static int days_in_month(int y, int m) {
    static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && y % 4 == 0 ? 29 : kDays[m - 1];
  }
  static uint8_t encode_hour(int hour, bool twelve_hour) {
    if (!twelve_hour) return bcd(hour);
    int h12 = hour % 12 == 0 ? 12 : hour % 12;
    return static_cast<uint8_t>(0x40 | (hour >= 12 ? 0x20 : 0) | bcd(h12));
  }
  static int decode_hour(uint8_t reg) {
    if ((reg & 0x40) == 0) return unbcd(reg & 0x3F);
    int h12 = unbcd(reg & 0x1F);
    return (h12 % 12) + ((reg & 0x20) != 0 ? 12 : 0);
  }

  uint8_t read_register(int reg) {
    if (reg == 0x11 || reg == 0x12) {
      int q = temperature_qc;
      int whole = q >= 0 ? q / 4 : -((-q + 3) / 4);
      return reg == 0x11 ? static_cast<uint8_t>(whole & 0xFF) : static_cast<uint8_t>((q - whole * 4) << 6);
    }
    return regs_[reg];
  }

  void write_register(int reg, uint8_t v) {
    switch (reg) {
      case 0x00:
        regs_[0] = static_cast<uint8_t>(v & 0x7F);
        phase_ns_ = 0;  // writing the seconds restarts the countdown
        break;
      case 0x0E:
        regs_[0x0E] = static_cast<uint8_t>(v & ~0x20);
        if ((v & 0x20) != 0) convert();
        break;
      case 0x0F:
        // OSF, A2F, A1F: only cleared; EN32kHz writable; BSY read-only.
        regs_[0x0F] = static_cast<uint8_t>((regs_[0x0F] & v & 0x83) | (v & 0x08) | (regs_[0x0F] & 0x04));
        break;
      case 0x11:
      case 0x12: break;  // read-only
      default: regs_[reg] = v;
    }
  }

  void convert() {
    effective_aging_ = static_cast<int8_t>(regs_[0x10]);
    ++conversions;
  }

  // Brings the registers up to the fake clock's real time.
  void advance() {
    int64_t mono = clock_.monotonic_ns();
    int64_t elapsed = mono - last_mono_ns_;
    last_mono_ns_ = mono;
    if (elapsed <= 0 || stopped_) return;
    double ppm = crystal_ppm - 0.1 * effective_aging_;
    double chip_ns = static_cast<double>(elapsed) * (1 + ppm * 1e-6) + carry_ns_;
    auto whole_ns = static_cast<int64_t>(chip_ns);
    carry_ns_ = chip_ns - static_cast<double>(whole_ns);
    phase_ns_ += whole_ns;
    int64_t seconds = phase_ns_ / 1'000'000'000;
    phase_ns_ %= 1'000'000'000;
    for (int64_t i = 0; i < seconds; ++i) {
      tick();
      if (++seconds_since_conversion_ >= 64) {
        seconds_since_conversion_ = 0;
        convert();
      }
    }
  }

  // One second on, through minutes, hours (in the register's mode), days,
  // months, years and the century bit.
  void tick() {
    int s = unbcd(regs_[0x00]) + 1;
    if (s < 60) {
      regs_[0x00] = bcd(s);
      return;
    }
    regs_[0x00] = 0;
    int m = unbcd(regs_[0x01]) + 1;
    if (m < 60) {
      regs_[0x01] = bcd(m);
      return;
    }
    regs_[0x01] = 0;
    bool twelve = (regs_[0x02] & 0x40) != 0;
    int h = decode_hour(regs_[0x02]) + 1;
    if (h < 24) {
      regs_[0x02] = encode_hour(h, twelve);
      return;
    }
    regs_[0x02] = encode_hour(0, twelve);
    regs_[0x03] = static_cast<uint8_t>(regs_[0x03] % 7 + 1);
    int year2 = unbcd(regs_[0x06]);
    int month = unbcd(regs_[0x05] & 0x1F);
    int day = unbcd(regs_[0x04]) + 1;
    uint8_t century = regs_[0x05] & 0x80;
    if (day <= days_in_month(2000 + year2, month)) {
      regs_[0x04] = bcd(day);
      return;
    }
    regs_[0x04] = 0x01;
    if (++month <= 12) {
      regs_[0x05] = static_cast<uint8_t>(century | bcd(month));
      return;
    }
    if (++year2 == 100) {
      year2 = 0;
      century ^= 0x80;
    }
    regs_[0x05] = static_cast<uint8_t>(century | 0x01);
    regs_[0x06] = bcd(year2);
  }

  FakeClock& clock_;
  std::string name_ = "/dev/i2c-emulated";
  uint8_t regs_[kRegs] = {};
  int pointer_ = 0;
  int64_t last_mono_ns_;
  int64_t phase_ns_ = 0;  // position in the current second's countdown
  double carry_ns_ = 0;
  int effective_aging_ = 0;
  int seconds_since_conversion_ = 0;
  bool stopped_ = false;
};

}  // namespace lansync::testing
