// A local control socket: a daemon answers one-line requests from tools on the same machine.
//
// Unix stream socket; a client connects, writes one request line ("status"),
// reads the answer until the daemon closes.  Read-only requests only, so the
// socket is open to every local user (mode 0666), as `sntpd status` is meant
// for scripts and MQTT publishers.  A stale socket left by a crashed daemon is
// replaced; a live one means another daemon runs, and is an error.
#pragma once

#include <functional>
#include <string>

#include "os/error.hpp"

namespace lansync::os {

inline constexpr const char* kDefaultControlPath = "/run/lansync/sntpd.sock";

class ControlServer {
 public:
  static OsResult<ControlServer> listen(const std::string& path);

  ControlServer() = default;
  ControlServer(ControlServer&& other) noexcept;
  ControlServer& operator=(ControlServer&& other) noexcept;
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  ~ControlServer();  // closes and removes the socket

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

  // Answers every pending connection with handler(request line).  A client
  // gets at most 100 ms to send its line.
  void serve(const std::function<std::string(const std::string& request)>& handler);

 private:
  int fd_ = -1;
  std::string path_;
};

// Sends request to the daemon at path and returns its whole answer.
OsResult<std::string> control_request(const std::string& path, const std::string& request);

}  // namespace lansync::os
