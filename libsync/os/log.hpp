// Logging to stderr, one line per event.
//
// In a terminal each line starts with the program name, so that it says who
// spoke.  Under systemd (stderr is the journal's stream: JOURNAL_STREAM names
// it), each line starts instead with its syslog priority, "<3>" error, "<4>"
// warning, "<6>" info, "<7>" debug, which journald strips and records, so that
// `journalctl -p warning -u sntpd` shows the warnings; the journal adds the
// time and the program name itself.  Debug lines appear only after
// set_verbose(true).
#pragma once

#include <fmt/core.h>

#include <cstdint>
#include <string_view>

namespace lansync::os::log {

// Syslog priorities (RFC 5424), as journald reads them.
enum class Level : int { Error = 3, Warning = 4, Info = 6, Debug = 7 };

// The program's name, in front of each line on a terminal; in the journal too when
// named_in_journal (a helper of sntpd's, whose lines the journal files under sntpd).
void set_program(std::string_view name, bool named_in_journal = false);
void set_verbose(bool on);
bool verbose();

// True when stderr is the journal's stream (JOURNAL_STREAM matches its device and inode).
bool to_journal();

// Writes one line to stderr in one write: "<program>: <level word><message>\n",
// or "<N><level word><message>\n" when to_journal().
void write(Level level, std::string_view message);

// For a line logged at most once a minute (what causes it, a peer can repeat in a loop, and the
// log must not fill the disk): true when the last one, at last_mono_ns of CLOCK_MONOTONIC
// (0: none yet), is a minute old or more; last_mono_ns is then now.
bool once_a_minute(int64_t& last_mono_ns);

template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::Info, fmt::format(f, static_cast<Args&&>(args)...));
}

template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::Warning, fmt::format(f, static_cast<Args&&>(args)...));
}

template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::Error, fmt::format(f, static_cast<Args&&>(args)...));
}

template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (verbose()) write(Level::Debug, fmt::format(f, static_cast<Args&&>(args)...));
}

}  // namespace lansync::os::log
