// Command-line parsing shared by the lansync tools: one place maps CLI11's outcomes to exit codes.
//
// --help and --version print and exit 0; any usage error prints one line,
// "<tool>: error: <what> (see --help)", and exits 2, the usage exit code of
// every lansync tool.
#pragma once

#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "core/duration.hpp"

namespace lansync::tools {

inline constexpr int kExitUsage = 2;

// Parses argv into app.  Returns the exit code to leave with, or nullopt to go on.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "{}: error: {} (see --help)\n", app.get_name(), e.what());
    return kExitUsage;
  }
  return std::nullopt;
}

// A CLI11 check for a duration as core::parse_duration_s reads it ("90s",
// "30m", "1h30m", "2d"), longer than 0: "" when good, else what is wrong.
inline std::string check_duration(const std::string& text) {
  auto d = core::parse_duration_s(text);
  if (!d) return core::describe(d.error());
  if (*d <= 0) return "the duration must be longer than 0";
  return "";
}

// Seconds given on the command line -> nanoseconds.
inline int64_t seconds_to_ns(double s) { return std::llround(s * 1e9); }

}  // namespace lansync::tools
