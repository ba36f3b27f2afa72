// For unit tests of what changes a whole process (its user, its signal mask, its OOM score): run
// it in a child, so that the test runner keeps its own.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

namespace lansync::unit {

// The wait status of a child running f: exited with 0 when f returned true, 1 when false; a
// signal that killed it shows as WIFSIGNALED.
inline int in_child(bool (*f)()) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(f() ? 0 : 1);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

}  // namespace lansync::unit
