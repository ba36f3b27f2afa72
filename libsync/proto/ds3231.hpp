// The DS3231's rules, as the Pi (os/rtc_ds3231, rtcset, sntpd) and the boards apply them.
//
// Built on codec/ds3231 (the register layout).  A read is trustworthy only
// when the oscillator-stop flag (OSF, status bit 7) is clear and every time
// field decodes (datasheet, "Status Register (0Fh)": OSF set means the
// oscillator stopped at some time, and the time with it).  A set writes the
// time registers 00h-06h, seconds first: the chip restarts its one-second
// countdown when the seconds register is written ("Clock and Calendar"), so
// its second starts with the write; then control (0Eh) with EOSC clear (the
// oscillator keeps running on battery, as Linux's driver sets it) and CONV
// clear (a conversion in progress is not restarted), and status (0Fh) with
// OSF clear, the alarm flags as read.  Setting the INT/SQW pin (a 1 Hz square
// wave, or the alarm interrupt) rewrites control alone.  Freestanding, like
// the codec.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "codec/ds3231.hpp"
#include "codec/result.hpp"

namespace lansync::proto {

// What a read of the chip's registers says about its time.
enum class Ds3231Validity : uint8_t {
  Valid,       // OSF clear (or not read) and every time field decodes
  Stopped,     // OSF set: the oscillator stopped since the time was last set
  Unreadable,  // OSF clear, but a time register holds an impossible value (or fewer than 7 were read)
};

// Registers 00h.. as read, interpreted.
struct Ds3231Read {
  Ds3231Validity validity = Ds3231Validity::Unreadable;
  bool has_time = false;  // the time registers decode (whatever OSF says): unix_s holds them
  int64_t unix_s = 0;     // seconds since the Unix epoch, UTC, when has_time
  codec::ds3231::Error time_error = codec::ds3231::Error::FieldOutOfRange;  // why not, when !has_time
  bool twelve_hour = false;  // the chip keeps 12-hour time (a set keeps the mode)
  uint8_t control = 0x1C;    // 0Eh as read (its power-on value when n <= 0Fh)
  uint8_t status = 0;        // 0Fh as read (0 when n <= 0Fh)
};

// Interprets n registers read from 00h: n >= 7 for the time, n >= 0x10 for
// control and status, and so OSF (with fewer, OSF is taken as clear).
Ds3231Read read_ds3231(const uint8_t* regs, size_t n);

// The time registers 00h-06h that set the chip to unix_s, in 12- or 24-hour
// mode; fails outside the chip's 2000-2199.
Result<Unit, codec::ds3231::Error> ds3231_time_registers(int64_t unix_s, bool twelve_hour,
                                                         uint8_t out[codec::ds3231::kTimeSize]);

// Control (0Eh) and status (0Fh) to write after the time, from the values
// read: EOSC, CONV and OSF clear, the rest kept.
void ds3231_control_status_after_set(uint8_t control, uint8_t status, uint8_t out[2]);

// Control (0Eh) to write for the INT/SQW pin, from the value read: one_hz, a
// 1 Hz square wave (INTCN, RS2 and RS1 clear: a PPS from the TCXO); else the
// alarm interrupt, the pin's power-on use (INTCN set, no square wave).  CONV
// clear, as after a set; the rest kept, BBSQW (the wave on battery) included.
uint8_t ds3231_control_for_square_wave(uint8_t control, bool one_hz);

}  // namespace lansync::proto
