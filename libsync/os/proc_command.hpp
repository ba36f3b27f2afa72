// Running a shell command with a deadline and capturing what it prints.
//
// For sources we do not know yet (driftlog's cmd: source): /bin/sh -c
// COMMAND, stdin from /dev/null, stdout and stderr captured.  The command runs
// in a process group of its own with the default signal mask and handlers,
// so a Ctrl-C meant for us does not kill it half-way and our blocked signals
// do not leak into it.  At the deadline, or when cancel_fd becomes readable,
// the whole group is killed (SIGKILL); whatever the command left running in
// its group is killed when it exits.
#pragma once

#include <cstdint>
#include <string>

#include "os/error.hpp"

namespace lansync::os {

struct CommandOutcome {
  enum class End { Exited, Signaled, TimedOut, Cancelled };
  End end = End::Exited;
  int code = 0;     // the exit status (Exited) or the signal (Signaled)
  std::string out;  // stdout, its first 64 KiB
  std::string err;  // stderr, its last 512 bytes
};

// Runs `/bin/sh -c command` until it exits, the CLOCK_MONOTONIC deadline
// passes or cancel_fd (if >= 0) is readable.  Fails only when the command
// cannot be started at all.
OsResult<CommandOutcome> run_shell_command(const std::string& command, int64_t deadline_mono_ns,
                                           int cancel_fd = -1);

}  // namespace lansync::os
