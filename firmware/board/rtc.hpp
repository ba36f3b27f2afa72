// The DS3231 as the board sees it: the states of its RTC keeper (rtc_keeper.hpp), and what a read says.
//
// The chip's rules (is a read trustworthy: OSF and the time registers; what
// a set writes and clears) are libsync's, shared with the Pi:
// proto/ds3231.hpp.  What is the board's own: besides a trustworthy read,
// the seconds must advance (the board waits for a tick to learn where the
// chip's second starts), and a running RTC must agree with the synchronized
// clock within both error bounds, else it is not followed.
#pragma once

#include <stdint.h>

#include "proto/ds3231.hpp"

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

// The status a read gives the RTC: Valid, Stopped or Unreadable.
RtcStatus rtc_status(const proto::Ds3231Read& r);

}  // namespace lansync::fw
