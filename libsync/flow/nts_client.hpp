// Querying an NTS server (RFC 8915): one key exchange, then a burst of authenticated requests.
//
// The NTS counterpart of ntp_client.hpp for ntpprobe --nts: os::nts_key_exchange over TLS gives
// the keys, eight cookies and the NTP server and port to use (the key-exchange server's own
// address and port 123 unless it names others); then a core::ServerProbe runs the burst, each
// request carrying a fresh unique identifier, a cookie of its own and an authenticator
// (proto/nts.hpp).  A reply reaches the probe only once its authenticator opens with the
// server-to-client key and it echoes the request's identifier; one that fails is reported as a
// forgery and its request stays open; its new cookies go back into the jar.  A kiss NTSN that
// echoes the identifier stops the burst.  There is no fallback: without a key exchange nothing is
// sent over NTP.
#pragma once

#include <cstdint>
#include <string>

#include "flow/ntp_client.hpp"
#include "os/clock.hpp"
#include "os/error.hpp"
#include "os/net_address.hpp"

namespace lansync::flow {

// The key exchange's server and the burst.
struct NtsQueryOptions {
  std::string server_name;                // checked against the certificate (name or IP address)
  std::string ca_file;                    // "": the system's CAs
  int samples = 4;                        // requests; each uses one cookie
  int64_t spacing_ns = 1'000'000;         // between requests (monotonic ns)
  int64_t ke_timeout_ns = 1'000'000'000;  // the key exchange, from the TCP connect to its End record
  int64_t timeout_ns = 1'000'000'000;     // the burst, from its first send
};

// A key exchange that failed (Error's code: os::nts_unreachable tells an unreachable server),
// or the burst's report (nts set).
os::OsResult<ServerReport> query_nts_server(os::Clock& clock, const os::SocketAddress& ke_address,
                                            const NtsQueryOptions& options);

}  // namespace lansync::flow
