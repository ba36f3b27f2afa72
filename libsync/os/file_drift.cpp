// The drift file; see file_drift.hpp.
#include "os/file_drift.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <sstream>
#include <string_view>

#include "os/file.hpp"

namespace lansync::os {
namespace {

// A drift file is two short lines; anything longer is not one.
constexpr size_t kMaxDriftFileBytes = 512;

// The curve's words, in the order they are written.
struct CurveField {
  const char* key;
  double core::ThermalCurve::*value;
};
constexpr CurveField kCurveFields[] = {
    {"lag_s", &core::ThermalCurve::lag_s},
    {"t0_c", &core::ThermalCurve::t0_c},
    {"a_ppm_per_c", &core::ThermalCurve::a_ppm_per_c},
    {"b_ppm_per_c2", &core::ThermalCurve::b_ppm_per_c2},
    {"var_a", &core::ThermalCurve::var_a},
    {"var_b", &core::ThermalCurve::var_b},
    {"cov_ab", &core::ThermalCurve::cov_ab},
    {"min_c", &core::ThermalCurve::min_c},
    {"max_c", &core::ThermalCurve::max_c},
    {"residual_us", &core::ThermalCurve::residual_us},
};

std::string curve_line(const core::ThermalCurve& c) {
  std::string line = "thermal";
  for (const CurveField& f : kCurveFields) line += fmt::format(" {}={:.9g}", f.key, c.*f.value);
  return line + fmt::format(" points={}\n", c.points);
}

// A number of the curve's line, whole and finite.
bool parse_number(const std::string& text, double& out) {
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  out = std::strtod(begin, &end);
  return end != begin && *end == '\0' && errno == 0 && std::isfinite(out);
}

// The curve's line ("thermal key=value ..."), every key once; errors say what is wrong.
OsResult<core::ThermalCurve> parse_curve(const std::string& line, const std::string& where) {
  core::ThermalCurve c;
  std::istringstream words(line);
  std::string word;
  words >> word;
  size_t seen = 0;
  bool points = false;
  while (words >> word) {
    size_t eq = word.find('=');
    std::string key = word.substr(0, eq), text = eq == std::string::npos ? "" : word.substr(eq + 1);
    double v = 0;
    if (!parse_number(text, v)) return invalid(where + key + " is not a number: '" + shown(text, 20) + "'");
    if (key == "points") {
      if (!(v >= 0 && v < 1e15)) return invalid(where + "points out of range");
      c.points = static_cast<int64_t>(v);
      points = true;
      continue;
    }
    const CurveField* f = std::find_if(std::begin(kCurveFields), std::end(kCurveFields),
                                       [&](const CurveField& cf) { return key == cf.key; });
    if (f == std::end(kCurveFields)) return invalid(where + "unknown word '" + shown(key, 20) + "'");
    c.*(f->value) = v;
    ++seen;
  }
  if (seen != std::size(kCurveFields) || !points) return invalid(where + "incomplete");
  if (!(c.lag_s > 0) || c.var_a < 0 || c.var_b < 0 || c.min_c > c.max_c)
    return invalid(where + "out of range");
  return c;
}

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

Status save_frequency(double ppm, const std::string& path, const std::optional<core::ThermalCurve>& curve,
                      std::optional<double> pulse_ppm) {
  std::string second = curve ? curve_line(*curve) : "";
  if (!curve && pulse_ppm) second = fmt::format("pulse crystal_ppm={:.6f}\n", *pulse_ppm);
  return write_file_atomic(path, fmt::format("{:.3f}\n", ppm) + second, 0644);
}

namespace {

// The drift file's second line ("" where there is none), or why it cannot be read.
OsResult<std::string> second_line(const std::string& path) {
  auto text = read_small_file(path, kMaxDriftFileBytes);
  if (!text) {
    if (text.error().code == std::errc::no_such_file_or_directory) return std::string();
    return fail(text.error());
  }
  size_t first = text->find('\n');
  if (first == std::string::npos) return std::string();
  std::string line = text->substr(first + 1);
  return line.substr(0, line.find('\n'));
}

}  // namespace

OsResult<std::optional<double>> read_drift_pulse(const std::string& path) {
  auto line = second_line(path);
  if (!line) return fail(line.error());
  constexpr std::string_view kKey = "pulse crystal_ppm=";
  if (line->rfind(kKey, 0) != 0) return std::optional<double>{};  // none, or a sensor's curve
  std::string value = line->substr(kKey.size());
  char* end = nullptr;
  errno = 0;
  double ppm = std::strtod(value.c_str(), &end);
  if (end == value.c_str() || *end != '\0' || errno != 0 || !std::isfinite(ppm) ||
      std::fabs(ppm) > kMaxFrequencyPpm) {
    return invalid(path + ":2: pulse: crystal_ppm is not a frequency in ppm: '" + shown(value, 40) + "'");
  }
  return std::optional<double>{ppm};
}

OsResult<std::optional<core::ThermalCurve>> read_drift_curve(const std::string& path) {
  auto text = second_line(path);
  if (!text) return fail(text.error());
  const std::string& line = *text;
  // None; or a pulse's line, written where the crystal followed one.
  if (line.empty() || line.rfind("pulse ", 0) == 0) return std::optional<core::ThermalCurve>{};
  if (line.rfind("thermal ", 0) != 0)
    return invalid(path + ":2: not a thermal curve: '" + shown(line, 40) + "'");
  auto c = parse_curve(line, path + ":2: thermal: ");
  if (!c) return fail(c.error());
  return std::optional<core::ThermalCurve>{*c};
}

namespace {

// A shape file's bins: two days and an hour of 900 s bins, with room; a line is under 60 bytes.
constexpr size_t kMaxShapePoints = 400;
constexpr size_t kMaxShapeFileBytes = 64 * 1024;
constexpr const char* kShapeHeader =
    "# lansync sntpd: the day's frequency, UNIX_S PPM COUNT a bin (sntpd(8))\n";

// One bin's line, "UNIX_S PPM COUNT": a time after 1970 and before 2200, a frequency within the
// kernel's, a count of updates.
std::optional<core::DailyShape::Point> parse_shape_line(const std::string& line) {
  std::istringstream words(line);
  std::string t, ppm, count, extra;
  if (!(words >> t >> ppm >> count) || (words >> extra)) return std::nullopt;
  double ts = 0, p = 0, n = 0;
  if (!parse_number(t, ts) || !parse_number(ppm, p) || !parse_number(count, n)) return std::nullopt;
  if (!(ts > 0 && ts < 7.3e9) || std::fabs(p) > kMaxFrequencyPpm || !(n >= 1 && n <= 1e6) ||
      n != std::floor(n))
    return std::nullopt;
  // Whole milliseconds, as written: ns through a double would not come back exact.
  return core::DailyShape::Point{static_cast<int64_t>(std::llround(ts * 1e3)) * 1'000'000, p,
                                 static_cast<int>(n)};
}

}  // namespace

OsResult<std::vector<core::DailyShape::Point>> read_shape_file(const std::string& path) {
  std::vector<core::DailyShape::Point> points;
  auto text = read_small_file(path, kMaxShapeFileBytes);
  if (!text) {
    if (text.error().code == std::errc::no_such_file_or_directory) return points;
    return fail(text.error());
  }
  std::istringstream lines(*text);
  std::string line;
  for (size_t n = 1; std::getline(lines, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    auto p = parse_shape_line(line);
    if (!p) return invalid(fmt::format("{}:{}: not 'UNIX_S PPM COUNT': '{}'", path, n, shown(line, 40)));
    if (points.size() == kMaxShapePoints)
      return invalid(fmt::format("{}:{}: more bins than two days hold", path, n));
    points.push_back(*p);
  }
  return points;
}

Status save_shape_file(const std::string& path, const std::vector<core::DailyShape::Point>& points) {
  std::string text = kShapeHeader;
  for (const core::DailyShape::Point& p : points) {
    text += fmt::format("{:.3f} {:.4f} {}\n", static_cast<double>(p.t_ns) / 1e9, p.ppm, p.count);
  }
  return write_file_atomic(path, text, 0644);
}

}  // namespace lansync::os
