// Clock correction with a record; see set_clock.hpp.
#include "flow/set_clock.hpp"

#include "os/file_sync_state.hpp"

namespace lansync::flow {
namespace {

os::SyncState record_of(os::Clock& clock, const ClockCorrection& c, const char* action) {
  os::SyncState s;
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

os::OsResult<core::Correction> correct_clock(os::Clock& clock, const ClockCorrection& c,
                                             const std::string& state_path) {
  core::Correction action = core::choose_correction(c.offset_ns, c.step_threshold_ns, c.allow_slew);
  if (action == core::Correction::Step) {
    if (auto st = clock.step(c.offset_ns); !st) return fail(st.error());
  } else if (action == core::Correction::Slew) {
    if (auto st = clock.slew(c.offset_ns); !st) return fail(st.error());
  }
  if (auto st = os::write_sync_state(state_path, record_of(clock, c, core::describe(action))); !st)
    return fail(st.error());
  return action;
}

os::Status record_correction(os::Clock& clock, const ClockCorrection& c, const char* action,
                             const std::string& state_path) {
  return os::write_sync_state(state_path, record_of(clock, c, action));
}

os::Status record_verification(os::Clock& clock, const ClockCorrection& c, const std::string& state_path) {
  return record_correction(clock, c, "verified", state_path);
}

}  // namespace lansync::flow
