// Waiting on descriptors; see fd.hpp.
// 64-bit time_t in this file (ppoll): see os/clock.cpp.
#ifndef _TIME_BITS
#define _TIME_BITS 64
#define _FILE_OFFSET_BITS 64
#endif
#include "os/fd.hpp"

#include <poll.h>

#include <cerrno>
#include <ctime>

namespace lansync::os {

bool wait_readable(const std::vector<int>& fds, int64_t timeout_ns, std::vector<bool>* ready) {
  std::vector<pollfd> polled(fds.size());
  for (size_t i = 0; i < fds.size(); ++i) polled[i] = {fds[i], POLLIN, 0};
  timespec wait{static_cast<time_t>(timeout_ns / 1'000'000'000),
                static_cast<long>(timeout_ns % 1'000'000'000)};
  int rc = ::ppoll(polled.data(), polled.size(), &wait, nullptr);
  ready->assign(fds.size(), false);
  if (rc < 0) return errno == EINTR;
  for (size_t i = 0; i < fds.size(); ++i) (*ready)[i] = fds[i] >= 0 && polled[i].revents != 0;
  return true;
}

}  // namespace lansync::os
