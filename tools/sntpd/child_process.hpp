// One helper process of sntpd (sntpd-web, sntpd-mqtt): started, watched and started again.
//
// A helper runs a program next to sntpd (build/bin in the tree) or in the libexec directory it was
// installed to.  It gets a SOCK_SEQPACKET channel to sntpd as descriptor 3 and the descriptors
// its caller names as 4, 5, ... and nothing else; it runs as a user of its own (when sntpd started
// as root), without any capability, with a bounded data segment, first in line for the OOM killer,
// and gets SIGTERM when sntpd dies.  When it exits, the caller reaps it (gone()) and starts it
// again after a delay: 1 s, doubling up to 30 s, back to 1 s after a run of a minute.  The caller owns the
// channel's protocol and the heartbeat.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/backoff.hpp"
#include "os/fd.hpp"
#include "os/proc_privileges.hpp"

namespace lansync::sntpd {

class ChildProcess {
 public:
  static constexpr int kChannelFd = 3;  // the channel; the caller's descriptors follow from 4
  static constexpr int kFirstFd = 4;
  // The messages read from a channel in one round, then the event loop serves the others.
  static constexpr int kMessagesPerRound = 64;
  // The exit status of a child that could not become its user (no CAP_SETUID or CAP_SETGID).
  static constexpr int kExitNoUser = 125;

  // program: the file name ("sntpd-web"), looked up next to sntpd, else as installed_path.
  // topic: how log lines name it ("http", "mqtt"); user: whom it runs as (none: sntpd's own
  // user), user_name: that user, for messages.
  ChildProcess(std::string program, const std::string& installed_path, std::string topic,
               std::optional<os::UserIds> user, std::string user_name);
  ~ChildProcess() { stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Whether the program exists and can be run.
  bool found() const;
  const std::string& path() const { return path_; }
  const std::string& program() const { return program_; }

  // Starts it with these arguments (after the program's path) and descriptors (4, 5, ...).  The
  // channel's end of sntpd, non-blocking; -1 when it could not start (logged; the restart is due).
  os::Fd start(const std::vector<std::string>& args, const std::vector<int>& fds);
  // After its channel closed: kills it (SIGKILL), reaps it, logs how it ended and schedules its
  // next start; unless final(its wait status) says it is not to be started again (the caller logs
  // why).  Returns the wait status.
  int gone(const std::function<bool(int)>& final = nullptr);
  // Stops it: SIGTERM, then SIGKILL after 2 s.  No restart is due afterwards.
  void stop();
  // Sends sig to it, as its user (os::signal_as); nothing while it is not running.
  void signal(int sig);

  bool running() const { return pid_ >= 0; }
  pid_t pid() const { return pid_; }
  // When the next start is due (monotonic ns); INT64_MAX when none is.
  int64_t restart_due_mono_ns() const { return restart_due_mono_ns_; }
  void no_restart() { restart_due_mono_ns_ = INT64_MAX; }
  uint64_t restarts() const { return restarts_; }

 private:
  void retry_later();

  std::string program_;
  std::string path_;
  std::string topic_;
  std::optional<os::UserIds> user_;
  std::string user_name_;
  pid_t pid_ = -1;
  int64_t started_mono_ns_ = 0;
  int64_t restart_due_mono_ns_ = INT64_MAX;
  core::Backoff backoff_{1'000'000'000, 30'000'000'000};
  uint64_t restarts_ = 0;
};

}  // namespace lansync::sntpd
