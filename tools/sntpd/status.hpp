// `sntpd status`: ask the running daemon over its control socket, print the answer.
//
// The daemon answers with its status snapshot as JSON (status_json.hpp); with
// --json it is printed as is, else read back into the snapshot and printed as
// text (status_text.hpp).
#pragma once

#include <string>

namespace lansync::sntpd {

// Prints the daemon's status, or with clients its client list (human-readable,
// or its JSON as is).  Returns
// the exit code: 0, or 1 when the daemon cannot be reached or answers
// nonsense (the message says which).
int print_status(const std::string& control_path, bool json, bool clients = false);

}  // namespace lansync::sntpd
