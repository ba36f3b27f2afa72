// Trust evidence; see trust.hpp.
#include "flow/trust.hpp"

#include <cmath>

#include "os/file_sync_state.hpp"

namespace lansync::flow {

core::TrustEvidence gather_trust_evidence(os::Clock& clock, const std::string& state_path) {
  core::TrustEvidence e;
  if (auto k = clock.sync_status(); k) {
    e.kernel_known = true;
    e.kernel_synchronized = k->synchronized;
  }
  auto s = os::read_sync_state(state_path);
  if (s) {
    e.state_known = true;
    e.state_last_sync_ns = std::llround(s->last_sync_unix * 1e9);
    e.state_source = s->source;
    e.state_boot = os::boot_of(*s);
  } else {
    e.state_problem = s.error().message;
  }
  if (auto b = clock.boot_stamp(); b) e.this_boot = *b;
  return e;
}

}  // namespace lansync::flow
