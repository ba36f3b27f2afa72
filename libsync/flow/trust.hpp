// Gathering the evidence for core::assess_trust: the kernel's status, this boot and the sync-state file.
#pragma once

#include <string>

#include "core/trust.hpp"
#include "os/clock.hpp"

namespace lansync::flow {

// Reads the kernel status and this boot (boot_stamp) through clock, and the
// sync-state file at state_path.
// Failures to read either are recorded in the evidence, not returned: a missing
// state file is an answer ("never set"), not an error.
core::TrustEvidence gather_trust_evidence(os::Clock& clock, const std::string& state_path);

}  // namespace lansync::flow
