// The DS3231's rules, shared by the Pi and the boards; see ds3231.hpp.
#include "proto/ds3231.hpp"

namespace lansync::proto {

namespace ds = codec::ds3231;

Ds3231Read read_ds3231(const uint8_t* regs, size_t n) {
  Ds3231Read r;
  if (n < ds::kTimeSize) return r;
  r.twelve_hour = ds::is_twelve_hour(regs[ds::kRegHours]);
  if (n > ds::kRegStatus) {
    r.control = regs[ds::kRegControl];
    r.status = regs[ds::kRegStatus];
  }
  auto t = ds::decode_time(regs);
  if (t) {
    r.has_time = true;
    r.unix_s = ds::to_unix_seconds(*t);
  } else {
    r.time_error = t.error();
  }
  if (ds::decode_status(r.status).osf) {
    r.validity = Ds3231Validity::Stopped;
  } else if (r.has_time) {
    r.validity = Ds3231Validity::Valid;
  }
  return r;
}

Result<Unit, codec::ds3231::Error> ds3231_time_registers(int64_t unix_s, bool twelve_hour,
                                                         uint8_t out[codec::ds3231::kTimeSize]) {
  auto t = ds::from_unix_seconds(unix_s);
  if (!t) return fail(t.error());
  return ds::encode_time(*t, twelve_hour, out);
}

void ds3231_control_status_after_set(uint8_t control, uint8_t status, uint8_t out[2]) {
  out[0] = static_cast<uint8_t>(control & ~(ds::kControlEosc | ds::kControlConv));
  out[1] = static_cast<uint8_t>(status & ~ds::kStatusOsf);
}

uint8_t ds3231_control_for_square_wave(uint8_t control, bool one_hz) {
  auto kept = static_cast<uint8_t>(control & ~ds::kControlConv);
  if (one_hz) return static_cast<uint8_t>(kept & ~(ds::kControlIntcn | ds::kControlRateSelect));
  return static_cast<uint8_t>(kept | ds::kControlIntcn);
}

}  // namespace lansync::proto
