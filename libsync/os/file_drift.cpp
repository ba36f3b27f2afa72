// The drift file; see file_drift.hpp.
#include "os/file_drift.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "os/file.hpp"

namespace lansync::os {
namespace {

// A drift file is one short line; anything longer is not one.
constexpr size_t kMaxDriftFileBytes = 256;

}  // namespace

OsResult<std::optional<double>> read_drift_file(const std::string& path) {
  auto text = read_small_file(path, kMaxDriftFileBytes);
  if (!text) {
    if (text.error().code == std::errc::no_such_file_or_directory) return std::optional<double>{};
    return fail(text.error());
  }
  std::string line = text->substr(0, text->find('\n'));
  const char* begin = line.c_str();
  char* end = nullptr;
  errno = 0;
  double ppm = std::strtod(begin, &end);
  while (*end == ' ' || *end == '\t' || *end == '\r') ++end;
  if (end == begin || *end != '\0' || errno != 0 || !std::isfinite(ppm)) {
    return invalid(path + ":1: not a frequency in ppm: '" + shown(line, 40) + "'");
  }
  if (std::fabs(ppm) > kMaxFrequencyPpm) {
    return invalid(path + ":1: " + line + " ppm is beyond the kernel's ±500 ppm");
  }
  return std::optional<double>{ppm};
}

OsResult<std::optional<double>> restore_frequency(Clock& clock, const std::string& path) {
  auto ppm = read_drift_file(path);
  if (!ppm) {
    if (ppm.error().code != std::errc::invalid_argument) return ppm;
    std::string bad = path + ".bad";
    bool kept = std::rename(path.c_str(), bad.c_str()) == 0;
    return invalid(ppm.error().message + (kept ? "; kept as " + bad : "; left in place"));
  }
  if (!*ppm) return ppm;
  if (auto st = clock.set_frequency(**ppm); !st) return fail(st.error());
  return ppm;
}

Status save_frequency(Clock& clock, const std::string& path) {
  auto status = clock.sync_status();
  if (!status) return fail(status.error());
  return save_frequency(status->frequency_ppm, path);
}

Status save_frequency(double ppm, const std::string& path) {
  return write_file_atomic(path, fmt::format("{:.3f}\n", ppm), 0644);
}

}  // namespace lansync::os
