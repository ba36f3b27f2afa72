// The clock as the upstream servers correct it: each UpstreamAction applied, logged and recorded.
//
// Upstreams (upstreams.hpp) decides what the clock needs (core/discipline on
// the selection) and returns it as an action, as core::Server::handle
// returns its reply; this part carries it out through the Clock interface:
// a step (only before the first sync, beyond --step-threshold) or the
// frequency to set (the drift and the slew of the offset), with the root
// distance and the jitter as the kernel's error bounds.  Each correction
// goes to the sync-state file (source "ntp:ADDRESS"), for camsync and a
// restart.  Upstreams is told the outcome (Upstreams::applied): a clock that
// cannot be corrected is never served as if it followed upstream.
#pragma once

#include <string>

#include "os/clock.hpp"

namespace lansync::sntpd {

struct UpstreamAction;

class UpstreamClock {
 public:
  // state_path: the sync-state file to record each correction in ("": none).
  UpstreamClock(os::Clock& clock, std::string state_path)
      : clock_(clock), state_path_(std::move(state_path)) {}

  // Steps or disciplines the clock as a asks; false (logged) when the clock refused.
  bool apply(const UpstreamAction& a);
  // After a step: tells the kernel the clock is synchronized, with the frequency it keeps and the
  // root distance after the step (the step's own held the offset it corrected).  Else it says
  // unsynchronized, with a 16 s maximum error, until the next update: timedatectl and
  // systemd-time-wait-sync would disagree with sntpd at time-sync.target.  False (logged) when
  // the clock refused.
  bool mark_synchronized(double frequency_ppm, int64_t distance_ns, int64_t jitter_ns);

 private:
  // Records the correction in the sync-state file (flow::record_correction); a failure (a full or
  // read-only disk) is warned once until it works again, which is logged too.
  void record(const UpstreamAction& a);

  os::Clock& clock_;
  std::string state_path_;
  bool state_write_failed_ = false;
  std::string followed_;  // the source of the last correction, logged when another takes over
};

}  // namespace lansync::sntpd
