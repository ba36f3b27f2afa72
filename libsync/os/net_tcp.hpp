// Listening TCP sockets of sntpd's helpers (the --http page, the NTS-KE server): bound by sntpd,
// as root, before it drops privileges, and handed to the helper process.
#pragma once

#include <string>

#include "os/error.hpp"
#include "os/fd.hpp"
#include "os/net_address.hpp"

namespace lansync::os {

// A listening TCP socket on hp (resolved passively; SO_REUSEADDR; IP_FREEBIND: the address may be
// on an interface that comes up later), with this backlog.
OsResult<Fd> listen_tcp(const HostPort& hp, int backlog);
// "HOST:PORT" (or "[v6]:PORT") of a socket bound on host, with the port it got.
std::string listen_address(int fd, const std::string& host);

}  // namespace lansync::os
