// The DS3231 as the board sees it: whether a register read holds a trustworthy time, and the
// registers a write sends.
//
// Built on codec/ds3231 (the register layout).  A read is trustworthy only
// when the oscillator-stop flag (OSF, status bit 7) is clear and every time
// field decodes; the board then also checks that the seconds advance.  A
// write sets the time registers (00h-06h) at the very start of a second: the
// chip restarts its one-second countdown when the seconds register is written
// (datasheet, "Clock and Calendar"), so it then ticks in step with the
// board's clock.  After the time, the control register is written with EOSC
// clear (the oscillator keeps running on battery) and the status register
// with OSF clear, the other bits as they were.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace lansync::fw {

enum class RtcStatus : uint8_t {
  Unknown,     // not read yet (or the board has no RTC)
  Missing,     // no answer on the bus
  Stopped,     // OSF set: the oscillator stopped since the time was last set
  Unreadable,  // a time register holds an impossible value
  NotTicking,  // the seconds did not advance within 1.1 s
  Disagrees,   // it differs from the synchronized clock by more than both error bounds
  Valid,
};
const char* describe(RtcStatus s);

// Registers 00h.. as read from the chip.
struct RtcRead {
  RtcStatus status = RtcStatus::Unknown;  // Valid, Stopped or Unreadable
  int64_t unix_s = 0;                     // the time shown, when Valid
  bool twelve_hour = false;               // the chip keeps 12-hour time
  uint8_t control = 0x1C;                 // 0Eh (when n > 0x0F)
  uint8_t status_reg = 0;                 // 0Fh (when n > 0x0F)
};

// Interprets n >= 7 registers read from 00h (n >= 0x10 includes control and
// status, and so the OSF flag; with fewer, OSF is taken as clear).
RtcRead read_rtc_registers(const uint8_t* regs, size_t n);

// The time registers 00h-06h for the second unix_s.  False outside the
// chip's 2000-2199.
bool rtc_time_registers(int64_t unix_s, bool twelve_hour, uint8_t out[7]);

// Control (0Eh) and status (0Fh) to write after the time: EOSC clear, OSF clear, the rest kept.
void rtc_control_status_registers(uint8_t control, uint8_t status, uint8_t out[2]);

}  // namespace lansync::fw
