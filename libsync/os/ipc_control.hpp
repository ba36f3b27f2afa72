// A local control socket: a daemon answers one-line requests from tools on the same machine.
//
// Unix stream socket; a client connects, writes one request line ("status"),
// reads the answer until the daemon closes.  The socket is mode 0660, its
// group the daemon's (_lansync): root and the members of that group may ask,
// as `sntpd status` is meant for scripts and MQTT publishers on the Pi.  A
// local user must not be able to stall the daemon's loop: nothing here
// blocks.  Connections are read as they send, at most kMaxControlConnections
// at once (a new one closes the oldest), each with one deadline for its whole
// request line; the answer is written without blocking, into a send buffer
// made large enough for it.  A stale socket left by a crashed daemon is
// replaced; a live one means another daemon runs, and is an error.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/control_request.hpp"
#include "os/error.hpp"

namespace lansync::os {

inline constexpr const char* kDefaultControlPath = "/run/lansync/sntpd.sock";
// Connections open at once; one more closes the oldest.
inline constexpr size_t kMaxControlConnections = 16;
// Time a client has to send its whole request line, monotonic ns.
inline constexpr int64_t kControlDeadlineNs = 1'000'000'000;
// Bytes of a request line; a longer one gets no answer (core/control_request.hpp).
inline constexpr size_t kMaxControlRequest = core::kMaxControlRequest;

class ControlServer {
 public:
  using Handler = std::function<std::string(const std::string& request)>;

  // Listens on path (its directory created if missing), mode 0660, group gid
  // (-1: the process's).
  static OsResult<ControlServer> listen(const std::string& path, int gid = -1);

  ControlServer() = default;
  ControlServer(ControlServer&& other) noexcept;
  ControlServer& operator=(ControlServer&& other) noexcept;
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  ~ControlServer();  // closes and removes the socket

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

  // The descriptors to poll for reading: the socket and each open connection.
  std::vector<int> fds() const;
  // Without blocking: accepts the pending connections, reads what each has
  // sent, answers every complete line with handler(line) and closes it, and
  // closes the connections whose deadline passed.  now_mono_ns: CLOCK_MONOTONIC.
  void serve(const Handler& handler, int64_t now_mono_ns);
  // The earliest deadline of an open connection (monotonic ns); INT64_MAX: none.
  int64_t next_deadline_mono_ns() const;
  // Connections open now.
  size_t connections() const { return connections_.size(); }

 private:
  struct Connection {
    int fd = -1;
    int64_t deadline_mono_ns = 0;
    std::string request;
  };
  void accept_pending(int64_t now_mono_ns);
  // Reads what c sent; true when it is finished with (answered, closed by the client, or too long).
  bool read_and_answer(Connection& c, const Handler& handler);
  void close_all();

  int fd_ = -1;
  std::string path_;
  std::vector<Connection> connections_;  // oldest first
};

// Sends request to the daemon at path and returns its whole answer.
OsResult<std::string> control_request(const std::string& path, const std::string& request);

}  // namespace lansync::os
