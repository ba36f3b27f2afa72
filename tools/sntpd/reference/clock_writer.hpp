// How a phone's or the camera's set reaches the clock: stepped and recorded, or its agreement recorded.
//
// The step waits for the upstream set's lock, so that no upstream exchange is
// being read across it (its timestamps would straddle the step); the record
// goes to the sync-state file (flow/set_clock.hpp), which the sync-state
// reference then reads.
#pragma once

#include <string>

#include "flow/set_clock.hpp"
#include "os/clock.hpp"

namespace lansync::sntpd {

class UpstreamSet;

class ClockWriter {
 public:
  // state_path: the sync-state file (--state).
  ClockWriter(os::Clock& clock, UpstreamSet& upstreams, std::string state_path)
      : clock_(clock), upstreams_(upstreams), state_path_(std::move(state_path)) {}

  // Records cc as a verification (verify: the clock agreed), or applies it and records it.
  os::Status correct_or_verify(const flow::ClockCorrection& cc, bool verify);

 private:
  os::Clock& clock_;
  UpstreamSet& upstreams_;
  std::string state_path_;
};

}  // namespace lansync::sntpd
