// Reading a driftlog CSV; see input.hpp.
#include "input.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "os/file.hpp"

namespace lansync::driftlog {
namespace {

// A week at 0.1 s intervals is about 500 MB of CSV; more is refused rather than swapped.
constexpr size_t kMaxInput = size_t{1} << 30;

}  // namespace

bool read_input(const std::string& path, Input& input, int& exit_code) {
  std::string text;
  if (path == "-") {
    input.name = "stdin";
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), stdin)) > 0) {
      text.append(buf, n);
      if (text.size() > kMaxInput) {
        fmt::print(stderr, "driftlog: error: stdin: larger than 1 GiB\n");
        exit_code = kExitFailure;
        return false;
      }
    }
    if (std::ferror(stdin)) {
      fmt::print(stderr, "driftlog: error: cannot read stdin: {}\n", std::strerror(errno));
      exit_code = kExitFailure;
      return false;
    }
  } else {
    input.name = path;
    auto contents = os::read_small_file(path, kMaxInput);
    if (!contents) {
      fmt::print(stderr, "driftlog: error: {}\n", contents.error().message);
      exit_code = kExitFailure;
      return false;
    }
    text = std::move(*contents);
  }
  auto rows = core::parse_drift_csv(text);
  // A recording stopped mid-row (a power cut, a full disk) leaves its last row without a newline:
  // that row is left out with a warning, the rest is analysed.  Any other bad row is an error.
  size_t complete = text.rfind('\n') + 1;  // 0 without any newline (npos + 1)
  if (!rows && complete > 0 && complete < text.size()) {
    if (auto whole_rows = core::parse_drift_csv(std::string_view(text).substr(0, complete))) {
      fmt::print(stderr,
                 "driftlog: warning: {}:{}: the last row is cut off (no newline: the recording stopped "
                 "mid-row): left out\n",
                 input.name, rows.error().line);
      rows = std::move(whole_rows);
    }
  }
  if (!rows) {
    fmt::print(stderr, "driftlog: error: {}:{}: {}\n", input.name, rows.error().line, rows.error().message);
    exit_code = kExitMalformed;
    return false;
  }
  input.rows = std::move(*rows);
  input.samples.reserve(input.rows.size());
  for (const core::DriftRow& r : input.rows) {
    input.samples.push_back(
        {r.elapsed_s, r.offset_s.value_or(0), r.offset_s.has_value(), r.delay_s.value_or(0)});
  }
  return true;
}

}  // namespace lansync::driftlog
