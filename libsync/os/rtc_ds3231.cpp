// DS3231 over I2C; see rtc_ds3231.hpp.
#include "os/rtc_ds3231.hpp"

#include "codec/ds3231.hpp"
#include "proto/ds3231.hpp"

namespace lansync::os {
namespace ds = codec::ds3231;

Ds3231Rtc::Ds3231Rtc(std::unique_ptr<I2cBus> bus)
    : owned_(std::move(bus)), bus_(owned_.get()), name_("DS3231 at 0x68 on " + bus_->name()) {}

Ds3231Rtc::Ds3231Rtc(I2cBus& bus) : bus_(&bus), name_("DS3231 at 0x68 on " + bus.name()) {}

Status Ds3231Rtc::read_registers(uint8_t first, uint8_t* out, size_t n) {
  return bus_->transfer(ds::kI2cAddress, &first, 1, out, n);
}

Status Ds3231Rtc::write_registers(uint8_t first, const uint8_t* data, size_t n) {
  uint8_t buf[ds::kRegisterCount + 1];
  buf[0] = first;
  for (size_t i = 0; i < n; ++i) buf[i + 1] = data[i];
  return bus_->transfer(ds::kI2cAddress, buf, n + 1, nullptr, 0);
}

OsResult<RtcReading> Ds3231Rtc::read_time() {
  uint8_t regs[ds::kRegStatus + 1];
  if (auto st = read_registers(ds::kRegSeconds, regs, sizeof regs); !st) return fail(st.error());
  RtcReading r;
  proto::Ds3231Read d = proto::read_ds3231(regs, sizeof regs);
  twelve_hour_ = d.twelve_hour;
  if (!d.has_time) {
    r.problem =
        "the DS3231's time registers hold no valid date (" + std::string(ds::describe(d.time_error)) + ")";
    return r;
  }
  r.has_time = true;
  r.unix_s = d.unix_s;
  if (d.validity == proto::Ds3231Validity::Stopped) {
    r.problem =
        "the DS3231's oscillator-stop flag (OSF) is set: its oscillator stopped (power lost, battery flat or "
        "new) and the time is not trustworthy until it is set";
    return r;
  }
  r.valid = true;
  return r;
}

Status Ds3231Rtc::set_time(int64_t unix_s) {
  uint8_t regs[ds::kTimeSize];
  if (auto enc = proto::ds3231_time_registers(unix_s, twelve_hour_, regs); !enc) {
    return invalid("cannot set " + name_ + ": " + ds::describe(enc.error()));
  }
  // Seconds first: this write starts the RTC's new second.
  if (auto st = write_registers(ds::kRegSeconds, regs, sizeof regs); !st) return st;
  // Then mark the time good and keep the oscillator running on battery.
  uint8_t cs[2];
  if (auto st = read_registers(ds::kRegControl, cs, 2); !st) return st;
  proto::ds3231_control_status_after_set(cs[0], cs[1], cs);
  return write_registers(ds::kRegControl, cs, 2);
}

OsResult<Ds3231Details> Ds3231Rtc::read_details() {
  uint8_t regs[ds::kRegisterCount];
  if (auto st = read_registers(ds::kRegSeconds, regs, sizeof regs); !st) return fail(st.error());
  Ds3231Details d;
  ds::Control c = ds::decode_control(regs[ds::kRegControl]);
  ds::StatusFlags s = ds::decode_status(regs[ds::kRegStatus]);
  d.temperature_qc = ds::decode_temperature_qc(regs[ds::kRegTempMsb], regs[ds::kRegTempLsb]);
  d.aging = ds::decode_aging(regs[ds::kRegAging]);
  d.osf = s.osf;
  d.busy = s.busy;
  d.stop_on_battery = c.stop_on_battery;
  d.twelve_hour = ds::is_twelve_hour(regs[ds::kRegHours]);
  d.square_wave_hz = ds::square_wave_hz(c);
  return d;
}

Status Ds3231Rtc::write_aging(int8_t steps) {
  uint8_t v = ds::encode_aging(steps);
  if (auto st = write_registers(ds::kRegAging, &v, 1); !st) return st;
  // The new value reaches the oscillator at the next TCXO update: force one
  // (CONV) unless one is running already (BSY), as the datasheet asks.
  uint8_t cs[2];
  if (auto st = read_registers(ds::kRegControl, cs, 2); !st) return st;
  if ((cs[1] & ds::kStatusBusy) != 0 || (cs[0] & ds::kControlConv) != 0) return ok();
  uint8_t control = static_cast<uint8_t>(cs[0] | ds::kControlConv);
  return write_registers(ds::kRegControl, &control, 1);
}

OsResult<uint16_t> Ds3231Rtc::write_square_wave(bool one_hz) {
  // Read, modify, write of control (0Eh) alone: the time is not touched.
  uint8_t control = 0;
  if (auto st = read_registers(ds::kRegControl, &control, 1); !st) return fail(st.error());
  uint8_t next = proto::ds3231_control_for_square_wave(control, one_hz);
  if (auto st = write_registers(ds::kRegControl, &next, 1); !st) return fail(st.error());
  return ds::square_wave_hz(ds::decode_control(control));
}

}  // namespace lansync::os
