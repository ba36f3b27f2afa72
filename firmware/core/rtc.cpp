// The DS3231 as the board sees it; see rtc.hpp.
#include "firmware/core/rtc.hpp"

#include "codec/ds3231.hpp"

namespace lansync::fw {

namespace ds3231 = codec::ds3231;

const char* describe(RtcStatus s) {
  switch (s) {
    case RtcStatus::Unknown: return "not read";
    case RtcStatus::Missing: return "no DS3231 answers on the bus";
    case RtcStatus::Stopped: return "the oscillator-stop flag (OSF) is set: the time is not trustworthy until set";
    case RtcStatus::Unreadable: return "the time registers hold an impossible date or time";
    case RtcStatus::NotTicking: return "the seconds do not advance";
    case RtcStatus::Disagrees: return "it disagrees with the clock by more than both error bounds: not followed";
    case RtcStatus::Valid: return "valid";
  }
  return "unknown";
}

RtcRead read_rtc_registers(const uint8_t* regs, size_t n) {
  RtcRead r;
  if (n < ds3231::kTimeSize) {
    r.status = RtcStatus::Unreadable;
    return r;
  }
  r.twelve_hour = ds3231::is_twelve_hour(regs[ds3231::kRegHours]);
  if (n > ds3231::kRegStatus) {
    r.control = regs[ds3231::kRegControl];
    r.status_reg = regs[ds3231::kRegStatus];
    if (ds3231::decode_status(r.status_reg).osf) {
      r.status = RtcStatus::Stopped;
      return r;
    }
  }
  auto t = ds3231::decode_time(regs);
  if (!t) {
    r.status = RtcStatus::Unreadable;
    return r;
  }
  r.unix_s = ds3231::to_unix_seconds(*t);
  r.status = RtcStatus::Valid;
  return r;
}

bool rtc_time_registers(int64_t unix_s, bool twelve_hour, uint8_t out[7]) {
  auto t = ds3231::from_unix_seconds(unix_s);
  return t && ds3231::encode_time(*t, twelve_hour, out);
}

void rtc_control_status_registers(uint8_t control, uint8_t status, uint8_t out[2]) {
  out[0] = static_cast<uint8_t>(control & ~ds3231::kControlEosc & ~ds3231::kControlConv);
  out[1] = static_cast<uint8_t>(status & ~ds3231::kStatusOsf);
}

}  // namespace lansync::fw
