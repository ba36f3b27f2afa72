// The upstream servers' corrections applied; see upstream_clock.hpp.
#include "upstream/upstream_clock.hpp"

#include "flow/set_clock.hpp"
#include "os/log.hpp"
#include "upstream/upstream_follower.hpp"

namespace lansync::sntpd {

bool UpstreamClock::apply(const UpstreamAction& a) {
  const core::Discipline& d = a.discipline;
  os::Status st = d.kind == core::Discipline::Step
                      ? clock_.step(d.offset_ns)
                      : clock_.discipline(d.clock.frequency_ppm, a.distance_ns, a.jitter_ns);
  if (!st) {
    os::log::error(
        "{}; answering unsynchronized (run with CAP_SYS_TIME, or --no-clock-control when another "
        "daemon keeps the clock)",
        st.error().message);
    return false;
  }
  if (d.kind == core::Discipline::Step) {
    os::log::info("stepped the clock by {:+.6f} s (upstream {})", static_cast<double>(d.offset_ns) / 1e9,
                  a.reference.name);
  }
  if (d.kind == core::Discipline::Slew && !d.clock.is_update) return true;  // a slew's end: no new sync
  // chronyd's "Selected source": the source followed, and each change of it (a GPS receiver lost
  // and a server taking over, or back).
  if (a.first) {
    os::log::info("following upstream {}", a.reference.name);
  } else if (a.reference.name != followed_) {
    os::log::info("following upstream {} instead of {}", a.reference.name, followed_);
  }
  followed_ = a.reference.name;
  record(a);
  return true;
}

bool UpstreamClock::mark_synchronized(double frequency_ppm, int64_t distance_ns, int64_t jitter_ns) {
  os::Status st = clock_.discipline(frequency_ppm, distance_ns, jitter_ns);
  if (!st) os::log::error("{}", st.error().message);
  return static_cast<bool>(st);
}

void UpstreamClock::record(const UpstreamAction& a) {
  if (state_path_.empty()) return;
  flow::ClockCorrection c;
  c.offset_ns = a.discipline.offset_ns;
  c.source = a.source;
  c.uncertainty_ns = a.distance_ns;
  c.stratum = a.reference.stratum;
  bool step = a.discipline.kind == core::Discipline::Step;
  auto st = flow::record_correction(
      clock_, c, core::describe(step ? core::Correction::Step : core::Correction::Slew), state_path_);
  if (!st && !state_write_failed_) {
    os::log::warn("cannot record the sync in the state file: {}", st.error().message);
  }
  if (st && state_write_failed_) {
    os::log::info("the sync is recorded in the state file {} again", state_path_);
  }
  state_write_failed_ = !st;
}

}  // namespace lansync::sntpd
