// A source's line of the status report, the parts a server (UpstreamPeer) and a GPS receiver
// (RefclockPeer) share: its reach, poll and best sample, and its state in words.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/upstream.hpp"
#include "status/status_snapshot.hpp"

namespace lansync::sntpd {

class UpstreamFollower;

// Fills u's reach, poll and best sample from s (reach_change_ns: since when it is reachable or
// not, on the served clock); false when s has no sample yet.
bool describe_source(const core::UpstreamSource& s, int64_t now_ns, int64_t reach_change_ns,
                     UpstreamSnapshot& u);

// A source's state as the status report words it ("sys_peer", "truechimer", "3 of 3 consistent
// samples", ...), sources[i] of follower's last selection; no_sample when it has none yet.
std::string source_state(const std::vector<core::UpstreamSource>& sources, size_t i,
                         const UpstreamFollower& follower, bool has_sample, const std::string& no_sample);

}  // namespace lansync::sntpd
