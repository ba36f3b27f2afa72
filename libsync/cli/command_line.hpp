// The command-line conventions every lansync program follows, the tools and lansync-board alike.
//
// --help and --version print and exit 0; any usage error prints one line,
// "<program>: error: <what> (see --help)", and exits 2, the usage exit code of
// every lansync program.  Built on CLI11, above libsync's core (durations);
// nothing else in libsync includes it.
#pragma once

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lansync::cli {

// Exit code of a run that did what it was asked.
inline constexpr int kExitOk = 0;
// Exit code of a usage or configuration error, in every lansync program.
inline constexpr int kExitUsage = 2;

// Parses argv into app.  Returns the exit code to leave with, or nullopt to go on.
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv);

// Prints "<program>: error: <message> (see --help)" to stderr; returns kExitUsage.
int usage_error(std::string_view program, std::string_view message);

// A CLI11 check for a duration as core::parse_duration_s reads it ("90s",
// "30m", "1h30m", "2d"), longer than 0: "" when good, else what is wrong.
std::string check_duration(const std::string& text);

// Seconds given on the command line -> nanoseconds (rounded to the nearest).
inline int64_t seconds_to_ns(double s) { return std::llround(s * 1e9); }

// Adds an option whose default --help shows and whose value must lie in [min, max].
template <typename T, typename Bound>
CLI::Option* add_bounded(CLI::App& app, const std::string& name, T& value, const std::string& help, Bound min,
                         Bound max) {
  return app.add_option(name, value, help)->capture_default_str()->check(CLI::Range(min, max));
}

}  // namespace lansync::cli
