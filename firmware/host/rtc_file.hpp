// The host port's DS3231: the emulated chip of tests/support on an I2C bus, kept in a state file
// across runs as if on its battery.
//
// The chip keeps time from CLOCK_MONOTONIC, scaled by its own crystal error
// (--rtc-ppm).  The file holds what survives a power cut: the chip's time
// (to the nanosecond of its countdown), its control, status and aging
// registers, the host's CLOCK_REALTIME when it was saved, and what the board
// remembers about the last set (its NVS on an ESP).  On load, the time that
// passed while the program was not running is added, as a battery would keep
// it.  A missing file is a chip just powered up: 2000-01-01 and OSF set.
// Reading CLOCK_REALTIME is all this does with the machine's clock.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "os/error.hpp"

namespace lansync::testing {
class FakeClock;
class Ds3231Emulator;
}  // namespace lansync::testing

namespace lansync::host {

class RtcFile {
 public:
  // Loads path (or powers the chip up when it does not exist).
  static os::OsResult<std::unique_ptr<RtcFile>> open(const std::string& path, double crystal_ppm);
  ~RtcFile();

  // One I2C transfer at the present moment (as the fw::Board asks: write the
  // register pointer and maybe data, then read).
  bool transfer(const uint8_t* out, size_t out_size, uint8_t* in, size_t in_size);

  // What the board remembers about the last set (0, 0: nothing).
  int64_t set_unix_s = 0;
  int64_t set_error_ns = 0;

  // Writes the state file atomically.
  os::Status save();

 private:
  RtcFile(std::string path, double crystal_ppm);
  void catch_up();

  std::string path_;
  std::unique_ptr<testing::FakeClock> clock_;
  std::unique_ptr<testing::Ds3231Emulator> chip_;
  int64_t mono_base_ns_ = 0;  // CLOCK_MONOTONIC when the fake clock read 0
};

}  // namespace lansync::host
