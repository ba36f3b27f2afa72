// Logging to stderr, one line per event, prefixed with the program name.
//
// Daemons run under systemd, whose journal adds the time; in a terminal the
// prefix says who spoke.  Debug lines appear only after set_verbose(true).
#pragma once

#include <fmt/core.h>

#include <string_view>

namespace lansync::os::log {

void set_program(std::string_view name);
void set_verbose(bool on);
bool verbose();

// Writes "<program>: <level><message>\n" to stderr in one write.
void write(std::string_view level, std::string_view message);

template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  write("", fmt::format(f, static_cast<Args&&>(args)...));
}

template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  write("warning: ", fmt::format(f, static_cast<Args&&>(args)...));
}

template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  write("error: ", fmt::format(f, static_cast<Args&&>(args)...));
}

template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (verbose()) write("debug: ", fmt::format(f, static_cast<Args&&>(args)...));
}

}  // namespace lansync::os::log
