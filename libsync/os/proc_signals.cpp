// The stop signals as a descriptor; see proc_signals.hpp.
#include "os/proc_signals.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

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

int read_stop_signal(int fd) {
  signalfd_siginfo info{};
  if (::read(fd, &info, sizeof(info)) != static_cast<ssize_t>(sizeof(info))) return 0;
  return static_cast<int>(info.ssi_signo);
}

}  // namespace lansync::os
