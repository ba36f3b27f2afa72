// GET /metrics: sntpd's status snapshot (status_snapshot.hpp) in the Prometheus text format.
#pragma once

#include <string>

#include "status/status_snapshot.hpp"

namespace lansync::sntpd {

// The exposition text (core/prometheus.hpp) of a status snapshot: counters
// (requests, replies, drops by reason, phone sets and refusals by reason,
// HTTP requests by endpoint) and gauges (reference state, root distance,
// clients, upstream servers).  A value the snapshot does not have gives its
// family no sample.
std::string metrics_text(const StatusSnapshot& s);

}  // namespace lansync::sntpd
