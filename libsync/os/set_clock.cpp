// Clock correction with a record; see set_clock.hpp.
#include "os/set_clock.hpp"

#include "os/sync_state.hpp"

namespace lansync::os {
namespace {

SyncState record_of(Clock& clock, const ClockCorrection& c, const char* action) {
  SyncState s;
  s.last_sync_unix = static_cast<double>(clock.now_ns()) / 1e9;
  s.source = c.source;
  s.offset_s = static_cast<double>(c.offset_ns) / 1e9;
  if (c.uncertainty_ns >= 0) s.uncertainty_s = static_cast<double>(c.uncertainty_ns) / 1e9;
  s.action = action;
  s.stratum = c.stratum;
  s.time_zone = c.time_zone;
  if (auto boot = clock.boot_stamp(); boot) stamp_boot(s, *boot);
  return s;
}

}  // namespace

OsResult<core::Correction> correct_clock(Clock& clock, const ClockCorrection& c,
                                         const std::string& state_path) {
  core::Correction action = core::choose_correction(c.offset_ns, c.step_threshold_ns, c.allow_slew);
  if (action == core::Correction::Step) {
    if (auto st = clock.step(c.offset_ns); !st) return fail(st.error());
  } else if (action == core::Correction::Slew) {
    if (auto st = clock.slew(c.offset_ns); !st) return fail(st.error());
  }
  if (auto st = write_sync_state(state_path, record_of(clock, c, core::describe(action))); !st)
    return fail(st.error());
  return action;
}

Status record_correction(Clock& clock, const ClockCorrection& c, const char* action,
                         const std::string& state_path) {
  return write_sync_state(state_path, record_of(clock, c, action));
}

Status record_verification(Clock& clock, const ClockCorrection& c, const std::string& state_path) {
  return record_correction(clock, c, "verified", state_path);
}

}  // namespace lansync::os
