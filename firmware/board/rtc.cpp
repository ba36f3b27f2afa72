// The DS3231 as the board sees it; see rtc.hpp.
#include "firmware/board/rtc.hpp"

namespace lansync::fw {

const char* describe(RtcStatus s) {
  switch (s) {
    case RtcStatus::Unknown: return "not read";
    case RtcStatus::Missing: return "no DS3231 answers on the bus";
    case RtcStatus::Stopped:
      return "the oscillator-stop flag (OSF) is set: the time is not trustworthy until set";
    case RtcStatus::Unreadable: return "the time registers hold an impossible date or time";
    case RtcStatus::NotTicking: return "the seconds do not advance";
    case RtcStatus::Disagrees:
      return "it disagrees with the clock by more than both error bounds: not followed";
    case RtcStatus::Valid: return "valid";
  }
  return "unknown";
}

RtcStatus rtc_status(const proto::Ds3231Read& r) {
  switch (r.validity) {
    case proto::Ds3231Validity::Valid: return RtcStatus::Valid;
    case proto::Ds3231Validity::Stopped: return RtcStatus::Stopped;
    case proto::Ds3231Validity::Unreadable: return RtcStatus::Unreadable;
  }
  return RtcStatus::Unreadable;
}

}  // namespace lansync::fw
