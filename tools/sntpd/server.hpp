// sntpd's serving loop: sockets in, replies out, until SIGTERM or SIGINT.
//
// The path of one request: socket (bytes + kernel receive timestamp) -> decode
// -> reply built from the reference state (core) -> encode -> transmit
// timestamp read as late as possible -> send.  Nothing flows back.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/server.hpp"
#include "os/clock.hpp"
#include "os/udp.hpp"

namespace lansync::sntpd {

struct Counters {
  uint64_t received = 0;   // datagrams read
  uint64_t replies = 0;    // replies sent
  uint64_t malformed = 0;  // failed to decode, or truncated
  uint64_t ignored = 0;    // decoded, but not a client request of version 1..4
  uint64_t send_errors = 0;
};

struct ServerConfig {
  std::optional<uint8_t> local_stratum;  // serve the local clock at this stratum
};

class Server {
 public:
  Server(os::Clock& clock, ServerConfig config);

  // Takes a bound socket to serve on.
  void add_socket(os::UdpSocket socket);

  // Serves until SIGTERM or SIGINT; returns false if waiting for events failed.
  bool run();

  const Counters& counters() const { return counters_; }

  // The reference state at now_ns.
  core::ReferenceState reference(int64_t now_ns) const;

 private:
  void serve(os::UdpSocket& socket);

  os::Clock& clock_;
  ServerConfig config_;
  int8_t precision_log2_;
  int64_t start_ns_;
  std::vector<os::UdpSocket> sockets_;
  Counters counters_;
};

}  // namespace lansync::sntpd
