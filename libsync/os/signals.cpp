// The stop signals as a descriptor; see signals.hpp.
#include "os/signals.hpp"

#include <sys/signalfd.h>

#include <csignal>

namespace lansync::os {

OsResult<Fd> stop_signal_fd() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) return errno_error("cannot block SIGTERM and SIGINT");
  Fd fd(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
  if (fd.get() < 0) return errno_error("cannot create a signalfd");
  return fd;
}

}  // namespace lansync::os
