// os/proc_signals: SIGTERM and SIGINT sent to a program become data on its descriptor, and do not kill it.
// In a child process each, so that the test runner keeps its own signal mask.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

#include "in_child.hpp"
#include "os/proc_signals.hpp"

namespace lansync::os {
namespace {

using unit::in_child;

// The signal number the descriptor says arrived, waiting for it up to 10 s; 0 if none.
int next_signal(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 10'000) != 1) return 0;
  return read_stop_signal(fd);
}

TEST(StopSignals, TermAndIntArriveAsDataInTheirOrderAndDoNotKill) {
  int status = in_child([] {
    auto fd = stop_signal_fd();
    if (!fd) return false;
    ::kill(::getpid(), SIGINT);
    if (next_signal(fd->get()) != SIGINT) return false;
    ::kill(::getpid(), SIGTERM);
    return next_signal(fd->get()) == SIGTERM;
  });
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

TEST(StopSignals, TheDescriptorNeverBlocksAndIsNotInherited) {
  int status = in_child([] {
    auto fd = stop_signal_fd();
    if (!fd) return false;
    signalfd_siginfo info{};
    bool would_block = ::read(fd->get(), &info, sizeof(info)) < 0 && errno == EAGAIN;
    return would_block && read_stop_signal(fd->get()) == 0 && (::fcntl(fd->get(), F_GETFD) & FD_CLOEXEC) != 0;
  });
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

}  // namespace
}  // namespace lansync::os
