// The kinds of reference sntpd serves from, in order of preference (sntpd(8), "Reference").
//
// Upstream servers sntpd follows itself, the kernel's word when another daemon
// disciplines the clock, the sync-state file (a phone, the RTC, the camera,
// ntpprobe --set), --local-stratum.  Each kind is one file, reference_<kind>.cpp,
// with its maker below; references.cpp lists the makers in order.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "os/clock.hpp"
#include "reference/reference_part.hpp"
#include "upstream/upstream_set.hpp"

namespace lansync::sntpd {

// What the makers draw on: the daemon's settings and the parts a reference reads.
struct ReferenceSetup {
  os::Clock& clock;
  UpstreamSet& upstreams;
  std::string state_path;  // --state: the sync-state file
  int64_t max_age_ns = 0;  // --max-age
  int local_stratum = 0;   // --local-stratum; 0: none
  int64_t start_ns = 0;    // the served clock when sntpd started (Unix ns)
};

// Each maker gives its part, or nullptr when the settings leave it out.
std::unique_ptr<ReferencePart> upstream_reference(const ReferenceSetup& s);
std::unique_ptr<ReferencePart> kernel_reference(const ReferenceSetup& s);
std::unique_ptr<ReferencePart> state_reference(const ReferenceSetup& s);
std::unique_ptr<ReferencePart> local_reference(const ReferenceSetup& s);

// The parts the settings ask for, in order of preference.
std::vector<std::unique_ptr<ReferencePart>> make_references(const ReferenceSetup& s);

}  // namespace lansync::sntpd
