// The command-line conventions every lansync program follows: CLI11's outcomes mapped to exit codes in
// one place, usage errors in one format, the duration check.
#include "cli/command_line.hpp"

#include <fmt/core.h>

#include <cstdio>

#include "core/duration.hpp"

namespace lansync::cli {

std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(app.get_name(), e.what());
  }
  return std::nullopt;
}

int usage_error(std::string_view program, std::string_view message) {
  fmt::print(stderr, "{}: error: {} (see --help)\n", program, message);
  return kExitUsage;
}

std::string check_duration(const std::string& text) {
  auto d = core::parse_duration_s(text);
  if (!d) return core::describe(d.error());
  if (*d <= 0) return "the duration must be longer than 0";
  return "";
}

}  // namespace lansync::cli
