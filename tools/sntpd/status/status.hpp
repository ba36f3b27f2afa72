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

}  // namespace lansync::sntpd
