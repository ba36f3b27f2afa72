// Shell commands with a deadline; see proc_command.hpp.
#include "os/proc_command.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <vector>

#include "os/clock.hpp"
#include "os/fd.hpp"

extern char** environ;

namespace lansync::os {
namespace {

constexpr size_t kMaxOut = 64 * 1024;
constexpr size_t kMaxErr = 512;

// Appends what is readable on fd; false at end of file or on an error.
bool drain(int fd, std::string& into, bool keep_tail, size_t cap) {
  char buf[4096];
  for (int i = 0; i < 64; ++i) {  // bounded: at most 256 KiB per wake-up
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    if (n == 0) return false;
    into.append(buf, static_cast<size_t>(n));
    if (into.size() > cap) {
      if (keep_tail) {
        into.erase(0, into.size() - cap);
      } else {
        into.resize(cap);
      }
    }
  }
  return true;
}

// Starts /bin/sh -c command in a process group of its own, stdin /dev/null,
// stdout and stderr to out_fd and err_fd, the signals we block or ignore
// back to their defaults; its pid.
OsResult<pid_t> spawn_shell(const std::string& command, int out_fd, int err_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t pid = -1;
  int rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    errno = rc;
    return errno_error("cannot run /bin/sh");
  }
  return pid;
}

// Whether the shell has exited, seen without reaping it (WNOWAIT): the zombie
// keeps the process group's number ours until the group is killed.
bool has_exited(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

// Reaps the shell, and gives outcome its exit status or signal (unless it timed out or was cancelled).
void reap(pid_t pid, CommandOutcome& outcome) {
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (outcome.end == CommandOutcome::End::Exited) {
    if (WIFSIGNALED(wstatus)) {
      outcome.end = CommandOutcome::End::Signaled;
      outcome.code = WTERMSIG(wstatus);
    } else {
      outcome.code = WEXITSTATUS(wstatus);
    }
  }
}

}  // namespace

OsResult<CommandOutcome> run_shell_command(const std::string& command, int64_t deadline_mono_ns,
                                           int cancel_fd) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return errno_error("cannot create a pipe");
  Fd out_r(out_pipe[0]), out_w(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return errno_error("cannot create a pipe");
  Fd err_r(err_pipe[0]), err_w(err_pipe[1]);

  auto spawned = spawn_shell(command, out_w.get(), err_w.get());
  if (!spawned) return fail(spawned.error());
  const pid_t pid = *spawned;
  out_w.reset();
  err_w.reset();
  // A pidfd tells poll when the shell exits even if something it started keeps the pipes open.
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  CommandOutcome outcome;
  bool out_open = true, err_open = true, exited = false;
  std::vector<bool> ready;  // of out, err, the pidfd and cancel_fd
  while (!exited || out_open || err_open) {
    if (exited) {
      // The shell is gone; take what is already in the pipes, and no more waiting.
      if (out_open) drain(out_r.get(), outcome.out, false, kMaxOut);
      if (err_open) drain(err_r.get(), outcome.err, true, kMaxErr);
      break;
    }
    int64_t left_ns = deadline_mono_ns - monotonic_ns();
    if (left_ns <= 0) {
      outcome.end = CommandOutcome::End::TimedOut;
      break;
    }
    // Without a pidfd (an old kernel), look for the exit every 10 ms.
    if (pidfd.get() < 0) left_ns = std::min<int64_t>(left_ns, 10'000'000);
    if (!wait_readable({out_open ? out_r.get() : -1, err_open ? err_r.get() : -1, pidfd.get(), cancel_fd},
                       left_ns, &ready)) {
      outcome.end = CommandOutcome::End::TimedOut;
      break;
    }
    if (ready[3]) {
      outcome.end = CommandOutcome::End::Cancelled;
      break;
    }
    if (ready[0]) out_open = drain(out_r.get(), outcome.out, false, kMaxOut);
    if (ready[1]) err_open = drain(err_r.get(), outcome.err, true, kMaxErr);
    if (pidfd.get() < 0 || ready[2]) exited = has_exited(pid);
  }
  // Whatever is left of the command's group goes: the stragglers, or all of it at the deadline.
  ::kill(-pid, SIGKILL);
  reap(pid, outcome);
  return outcome;
}

}  // namespace lansync::os
