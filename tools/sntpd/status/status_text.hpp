// The status snapshot as `sntpd status` prints it: one "Label : value" line per item, as chronyc tracking.
//
// Durations read as "2 h 46 min" (core::human_duration), offsets in seconds
// with nine decimals and a sign, instants as UTC; the lines and their wording
// are documented in sntpd(8).
#pragma once

#include <string>
#include <vector>

#include "status/status_snapshot.hpp"

namespace lansync::sntpd {

// The report, one line per item, each ending in a newline.
std::string status_text(const StatusSnapshot& s);

// The client table, one line per client, most recent first, as chronyc clients lists it.
std::string clients_text(const std::vector<ClientEntry>& clients);

}  // namespace lansync::sntpd
