// Querying NTP servers: bursts of requests, replies matched and tested, the best sample kept.
//
// The blocking client behind ntpprobe (and driftlog's ntp source): for each
// server a burst of requests, spaced a few milliseconds apart, each with its
// own random cookie; the spacing keeps a burst from queueing behind itself on
// a busy link, and on a LAN the round trip spaces them further; T1 is read just before each send and T4 is
// the kernel's receive timestamp.  All servers are queried at once over one poll loop, and the whole query
// ends by the timeout.  Each request is a proto::ClientSession (the cookie, the MAC and the reply
// tests, as sntpd and the boards apply them) and the filter is core's; this file does the I/O.
// With a key, every request carries a MAC and a reply counts only with a valid MAC by the same key; a
// reply that fails authentication is reported but does not use up its request, so that a forged one
// cannot hide the real one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codec/ntp_packet.hpp"
#include "core/exchange.hpp"
#include "os/clock.hpp"
#include "os/net_address.hpp"

namespace lansync::flow {

struct QueryOptions {
  int samples = 4;                       // requests per server
  int64_t timeout_ns = 1'000'000'000;    // the whole query, from the first send
  int64_t spacing_ns = 1'000'000;        // between requests to one server
  const proto::MacKeys* keys = nullptr;  // with key_id: sign requests, accept only replies signed alike
  uint32_t key_id = 0;                   // 0: unauthenticated
};

// What one server's burst produced.
struct ServerReport {
  os::SocketAddress address;
  int samples_sent = 0;
  int samples_ok = 0;            // replies that passed every test
  int replies = 0;               // replies to our requests, usable or not
  bool usable = false;           // a best sample exists
  proto::Sample best;            // least-delay usable sample
  int64_t jitter_ns = 0;         // RMS spread of the usable samples around best
  int64_t root_distance_ns = 0;  // of the best sample
  codec::NtpHeader header;       // the best reply, or else the last reply received
  // When not usable: why (the most telling status of the replies received).
  proto::ReplyStatus status = proto::ReplyStatus::Ok;
  char kiss_code[5] = {};  // set when a Kiss-o'-Death was received
  std::string error;       // a network error, e.g. "connection refused"
};

// Queries every address in parallel and returns one report per address, in
// order.  Reads T1 and converts kernel timestamps through clock.
std::vector<ServerReport> query_servers(os::Clock& clock, const std::vector<os::SocketAddress>& servers,
                                        const QueryOptions& options);

}  // namespace lansync::flow
