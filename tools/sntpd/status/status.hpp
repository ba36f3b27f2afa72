// `sntpd status`: ask the running daemon over its control socket, print the answer.
//
// The daemon renders its status snapshot (control_service.hpp): with --json it
// asks for the JSON and prints it as is, else for the text and prints that;
// nothing is parsed back into a snapshot.
#pragma once

#include <string>

namespace lansync::sntpd {

// Prints the daemon's status, or with clients its client list (human-readable,
// or its JSON as is).  Returns
// the exit code: 0, or 1 when the daemon cannot be reached or answers
// nonsense (the message says which).
int print_status(const std::string& control_path, bool json, bool clients = false);

// Waits until the daemon serves synchronized time from a reference (its local clock at
// --local-stratum does not count), asking once a second for at most wait_s
// seconds (it may still be starting: a socket not there yet is asked again), then prints its
// status as print_status does and returns 0; sntpd-wait.service orders time-sync.target after it,
// as chrony-wait.service does with chronyc waitsync.  Returns kNotSynchronized, saying why on
// stderr, when the time is up.
inline constexpr int kNotSynchronized = 3;
int wait_synchronized(const std::string& control_path, int wait_s, bool json);

}  // namespace lansync::sntpd
