// One reference sntpd can serve, as the reference keeper sees it: its evidence, its timers, its status.
//
// The keeper (reference_keeper.hpp) asks each part, in order of preference,
// for what it offers now (a core::ReferenceCandidate) and lets core/reference
// choose.  A part with sockets or timers of its own registers them with the
// event loop and calls changed() when its evidence moves; one with lines in
// the status report adds them.  The kinds are listed, and their order fixed, in
// one place: references.cpp.  A new kind of reference (a GPS receiver through
// gpsd, an RTC read directly) is its file, reference_<kind>.cpp, and one line there.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "core/reference.hpp"
#include "event_loop.hpp"
#include "status/status_snapshot.hpp"

namespace lansync::sntpd {

class ReferencePart {
 public:
  virtual ~ReferencePart() = default;
  // What it offers at now_ns (Unix ns, served clock), the served clock's precision being
  // precision_log2; nothing when it has nothing to offer now.
  virtual std::optional<core::ReferenceCandidate> candidate(int64_t now_ns, int8_t precision_log2) = 0;
  // Registers its descriptors and timers; it calls changed when its evidence changed (the
  // reference is chosen again at once).  Called once, on the event loop's thread.
  virtual void attach(EventLoop& /*loop*/, const std::function<void()>& /*changed*/) {}
  // Adds its part of the status report (an upstream set: its servers).  Thread-safe.
  virtual void describe(StatusSnapshot& /*s*/) {}
};

}  // namespace lansync::sntpd
