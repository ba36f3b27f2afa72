// The stop signals (SIGTERM, SIGINT) as a descriptor, for a program's poll loop.
//
// Every long-running lansync program stops the same way: the signals are
// blocked and arrive as readable data on a signalfd, which the program's own
// poll() watches next to its sockets, so that it stops between two events and
// never inside one (a half-written CSV row, a reply half sent).
#pragma once

#include "os/error.hpp"
#include "os/fd.hpp"

namespace lansync::os {

// Blocks SIGTERM and SIGINT and returns a non-blocking, close-on-exec
// signalfd that becomes readable when one of them arrives.  The mask is the
// calling thread's and threads started after inherit it: call this before
// starting any.  SIGPIPE is left alone (the caller decides).
OsResult<Fd> stop_signal_fd();

// The signal stop_signal_fd's descriptor holds next (SIGTERM or SIGINT), read
// off it; 0 when it holds none (it never blocks).
int read_stop_signal(int fd);

}  // namespace lansync::os
