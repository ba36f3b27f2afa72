// Unit tests of the command-line conventions every lansync program shares (cli/command_line): exit codes,
// the one-line usage error, bounded options and durations.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/command_line.hpp"

namespace lansync::cli {
namespace {

// Parses args (after the program name) into app; the exit code, or nullopt to go on.
std::optional<int> parse(CLI::App& app, std::vector<std::string> args) {
  std::vector<char*> argv;
  std::string name = app.get_name();
  argv.push_back(name.data());
  for (std::string& a : args) argv.push_back(a.data());
  return parse_command_line(app, static_cast<int>(argv.size()), argv.data());
}

TEST(CommandLine, GoodArgumentsGoOn) {
  CLI::App app{"test", "tool"};
  int n = 0;
  app.add_option("-n", n);
  EXPECT_EQ(parse(app, {"-n", "3"}), std::nullopt);
  EXPECT_EQ(n, 3);
}

TEST(CommandLine, AUsageErrorIsOneLineAndExitsTwo) {
  CLI::App app{"test", "tool"};
  testing::internal::CaptureStderr();
  EXPECT_EQ(parse(app, {"--no-such-option"}), kExitUsage);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.rfind("tool: error: ", 0), 0u) << err;
  EXPECT_NE(err.find("(see --help)\n"), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), err.size() - 1) << err;
}

TEST(CommandLine, HelpAndVersionExitZero) {
  CLI::App app{"test", "tool"};
  app.set_version_flag("-V,--version", "1.2.3");
  testing::internal::CaptureStdout();
  EXPECT_EQ(parse(app, {"--help"}), kExitOk);
  EXPECT_EQ(parse(app, {"--version"}), kExitOk);
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("1.2.3"), std::string::npos);
}

TEST(CommandLine, UsageErrorNamesTheProgram) {
  testing::internal::CaptureStderr();
  EXPECT_EQ(usage_error("ntpprobe", "servers is required"), kExitUsage);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "ntpprobe: error: servers is required (see --help)\n");
}

TEST(CommandLine, BoundedOptionsShowTheirDefaultAndRefuseOutOfRange) {
  CLI::App app{"test", "tool"};
  double timeout_s = 1.5;
  add_bounded(app, "--timeout", timeout_s, "seconds", 0.1, 60.0);
  EXPECT_NE(app.help().find("1.5"), std::string::npos);
  testing::internal::CaptureStderr();
  EXPECT_EQ(parse(app, {"--timeout", "61"}), kExitUsage);
  testing::internal::GetCapturedStderr();
  app.clear();
  EXPECT_EQ(parse(app, {"--timeout", "60"}), std::nullopt);
  EXPECT_DOUBLE_EQ(timeout_s, 60);
}

TEST(CommandLine, DurationsMustBeLongerThanZero) {
  EXPECT_EQ(check_duration("90s"), "");
  EXPECT_EQ(check_duration("1h30m"), "");
  EXPECT_EQ(check_duration("0"), "the duration must be longer than 0");
  EXPECT_NE(check_duration("5y"), "");
}

TEST(CommandLine, SecondsToNanosecondsRounds) {
  EXPECT_EQ(seconds_to_ns(1.5), 1'500'000'000);
  EXPECT_EQ(seconds_to_ns(-0.25), -250'000'000);
  EXPECT_EQ(seconds_to_ns(1e-9), 1);
}

}  // namespace
}  // namespace lansync::cli
