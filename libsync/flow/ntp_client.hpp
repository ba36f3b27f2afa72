// Querying NTP servers: bursts of requests, replies matched and tested, the best sample kept.
//
// The blocking client behind ntpprobe (and driftlog's ntp source): for each
// server a burst of requests, spaced a few milliseconds apart, each with its
// own random cookie; the spacing keeps a burst from queueing behind itself on
// a busy link, and on a LAN the round trip spaces them further; T1 is read just before each send and T4 is
// the kernel's receive timestamp.  All servers are queried at once over one poll loop, and the whole query
// ends by the timeout.  Each server's burst is a core::ServerProbe (sans-IO: the requests, the reply
// tests, the filter and the report); this file does the I/O: sockets, the loop, cookies and clock reads.
// With a key, every request carries a MAC and a reply counts only with a valid MAC by the same key; a
// reply that fails authentication is reported but does not use up its request, so that a forged one
// cannot hide the real one.
#pragma once

#include <cstdint>
#include <vector>

#include "core/probe.hpp"
#include "os/clock.hpp"
#include "os/net_address.hpp"

namespace lansync::flow {

// The burst (samples, spacing_ns, keys, key_id: core::ProbeOptions) and the whole query's timeout.
struct QueryOptions : core::ProbeOptions {
  int64_t timeout_ns = 1'000'000'000;  // the whole query, from the first send
};

// What one server's burst produced (core::ProbeReport), and the server.
struct ServerReport : core::ProbeReport {
  os::SocketAddress address;
  bool nts = false;     // queried with NTS (flow/nts_client.hpp): every usable reply authenticated
  int nts_cookies = 0;  // with nts: the cookies held after the burst
};

// Queries every address in parallel and returns one report per address, in
// order.  Reads T1 and converts kernel timestamps through clock.
std::vector<ServerReport> query_servers(os::Clock& clock, const std::vector<os::SocketAddress>& servers,
                                        const QueryOptions& options);

}  // namespace lansync::flow
