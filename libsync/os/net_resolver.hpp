// Resolving host names without blocking the caller: one helper thread.
//
// glibc's getaddrinfo blocks, for many seconds when no DNS server answers (a
// Pi offline at boot).  A daemon asks the Resolver, goes on serving, and polls
// fd(): it becomes readable when answers are waiting, and take() collects
// them.  Requests are handled one at a time, in order; the lookup itself is
// a parameter, so that tests never ask a real DNS server.  The thread blocks
// every signal (the daemon reads them from a signalfd in its main thread).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "os/error.hpp"
#include "os/net_address.hpp"

namespace lansync::os {

using Lookup = std::function<OsResult<std::vector<SocketAddress>>(const HostPort& hp)>;

class Resolver {
 public:
  // The result of one request, with the id the caller gave it.
  struct Answer {
    size_t id = 0;
    OsResult<std::vector<SocketAddress>> addresses = std::vector<SocketAddress>{};
  };

  // lookup defaults to os::resolve (getaddrinfo).
  explicit Resolver(Lookup lookup = {});
  ~Resolver();  // does not wait for a lookup in progress
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Queues hp for resolution; its answer carries id.
  void request(size_t id, const HostPort& hp);
  // Readable (poll POLLIN) while answers are waiting.
  int fd() const;
  // The answers that arrived since the last call, oldest first.
  std::vector<Answer> take();

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;  // shared with the thread, which may outlive us
};

}  // namespace lansync::os
