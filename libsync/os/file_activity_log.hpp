// The activity log of a periodic tool: one JSON line per run appended to a file, optionally to syslog.
//
// Tools run from cron or a systemd timer (camsync every 15 minutes) leave one
// line per run, so that the owner can see afterwards what was found and done.
// Appending uses O_APPEND and a single write under an flock, so concurrent runs
// never interleave within a line.  A line a power cut left without its newline
// is cut off before the next is appended, so that every line stays one JSON
// value (jq reads the file) and the next is not lost with it.
#pragma once

#include <cstdint>
#include <string>

#include "os/error.hpp"

namespace lansync::os {

// Appends line and a newline to path (mode 0644), creating missing directories (0755);
// first cuts off a last line left without its newline (a power cut during an append).
Status append_log_line(const std::string& path, const std::string& line);

// Sends line to syslog (facility daemon) as ident, at LOG_ERR when failure, else LOG_INFO.
void syslog_line(const std::string& ident, bool failure, const std::string& line);

}  // namespace lansync::os
