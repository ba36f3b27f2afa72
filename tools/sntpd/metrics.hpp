// GET /metrics: sntpd's status report (Daemon::status_json) in the Prometheus text format.
#pragma once

#include <string>

#include "nlohmann/json_fwd.hpp"

namespace lansync::sntpd {

// The exposition text (core/prometheus.hpp) of a status report: counters
// (requests, replies, drops by reason, phone sets and refusals by reason,
// HTTP requests by endpoint) and gauges (reference state, root distance,
// clients, upstream servers).  Null fields give no sample.
std::string metrics_text(const nlohmann::ordered_json& status);

}  // namespace lansync::sntpd
