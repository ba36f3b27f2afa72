// driftlog analyze's output; see analyze.hpp.  The mathematics is core/drift.
#include "analyze.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "core/duration.hpp"

namespace lansync::driftlog {
namespace {

using json = nlohmann::ordered_json;

std::map<std::string, size_t> failures_by_status(const Input& in) {
  std::map<std::string, size_t> by;
  for (const core::DriftRow& r : in.rows) {
    if (!r.offset_s) ++by[core::status_word(r.status)];
  }
  return by;
}

std::string sources_of(const Input& in) {
  std::vector<std::string> seen;
  std::string out;
  for (const core::DriftRow& r : in.rows) {
    if (r.source.empty() || std::find(seen.begin(), seen.end(), r.source) != seen.end()) continue;
    seen.push_back(r.source);
    out += (out.empty() ? "" : ", ") + r.source;
  }
  return out;
}

json to_json(const Input& in, const core::DriftAnalysis& a) {
  json j;
  j["input"] = in.name;
  std::string source = sources_of(in);
  j["source"] = source.empty() ? json(nullptr) : json(source);
  j["start_utc"] =
      in.rows.front().time_utc_ns ? json(core::format_utc(*in.rows.front().time_utc_ns)) : json(nullptr);
  j["samples"] = a.samples;
  j["good"] = a.good;
  j["failed"] = a.failed;
  j["failed_by_status"] = failures_by_status(in);
  j["outliers"] = a.outliers.size();
  j["span_s"] = a.span_s;
  j["interval_s"] = a.interval_s;
  j["drift_ppm"] = a.drift_ppm;
  j["drift_uncertainty_ppm"] = a.drift_uncertainty_ppm;
  j["step_threshold_s"] = a.step_threshold_s;
  json steps = json::array(), segments = json::array();
  for (size_t k = 0; k < a.segments.size(); ++k) {
    const core::DriftSegment& s = a.segments[k];
    if (k > 0) steps.push_back({{"at_s", s.start_s}, {"step_s", s.step_s}});
    json seg;
    seg["start_s"] = s.start_s;
    seg["end_s"] = s.end_s;
    seg["samples"] = s.n;
    seg["drift_ppm"] = s.fitted ? json(s.drift_ppm) : json(nullptr);
    seg["drift_uncertainty_ppm"] = s.fitted ? json(s.drift_uncertainty_ppm) : json(nullptr);
    segments.push_back(seg);
  }
  j["steps"] = steps;
  j["segments"] = segments;
  j["jitter_s"] = a.jitter_s;
  json allan = json::array();
  for (const core::AllanPoint& p : a.allan)
    allan.push_back({{"tau_s", p.tau_s}, {"adev", p.adev}, {"terms", p.terms}});
  j["allan"] = allan;
  j["tolerance_s"] = a.tolerance_s;
  j["reliable_s"] = a.reliable_forever ? json(nullptr) : json(a.reliable_s);
  j["reliable_extrapolated"] = a.reliable_extrapolated || a.reliable_forever;
  j["resync_interval_s"] = a.resync_interval_s;
  j["resync_capped"] = a.resync_capped;
  return j;
}

std::string seconds_text(double s) { return fmt::format("{:+.6f} s", s); }

void print_human(const Input& in, const core::DriftAnalysis& a) {
  std::string source = sources_of(in);
  std::string start = in.rows.front().time_utc_ns ? core::format_utc(*in.rows.front().time_utc_ns) : "";
  fmt::print("run        {}{}{}, {}\n", in.name, source.empty() ? "" : " (" + source + ")",
             start.empty() ? "" : " from " + start, core::format_duration(a.span_s));
  std::string failed;
  for (const auto& [word, n] : failures_by_status(in))
    failed += fmt::format("{}{} {}", failed.empty() ? "" : ", ", n, word);
  fmt::print("samples    {}: {} good, {} failed{}, every {}\n", a.samples, a.good, a.failed,
             failed.empty() ? "" : " (" + failed + ")", core::format_duration(a.interval_s));
  double per_day = std::fabs(a.drift_ppm) * 86400e-6;
  const char* way = a.drift_ppm > 0 ? "fast: it gains" : "slow: it loses";
  fmt::print("drift      {} (1 sigma): the local clock is {} {:.3f} s a day\n",
             ppm_text(a.drift_ppm, a.drift_uncertainty_ppm), way, per_day);
  if (a.segments.size() > 1) {
    fmt::print("steps      {} (the clock was set during the run; one drift fitted across them)\n",
               a.segments.size() - 1);
    for (size_t k = 0; k < a.segments.size(); ++k) {
      const core::DriftSegment& s = a.segments[k];
      std::string own = s.fitted ? "drift " + ppm_text(s.drift_ppm, s.drift_uncertainty_ppm)
                                 : std::string("too short for its own drift");
      std::string step = k > 0 ? fmt::format("step {} at {}, then ", seconds_text(s.step_s),
                                             core::format_duration(s.start_s))
                               : std::string();
      fmt::print("  segment {}: {}{} samples, {}\n", k + 1, step, s.n, own);
    }
  }
  if (!a.outliers.empty()) {
    fmt::print("outliers   {} sample{} away from both neighbours, left out of the fit\n", a.outliers.size(),
               a.outliers.size() == 1 ? "" : "s");
  }
  fmt::print("jitter     {} RMS (residuals from the fit)\n", short_seconds_text(a.jitter_s));
  if (!a.allan.empty()) {
    fmt::print("allan      overlapping Allan deviation of the residuals\n");
    for (const core::AllanPoint& p : a.allan) {
      fmt::print("  tau {:>12}  {:.2e}  ({:.3g} ppm, {} terms)\n", core::format_duration(p.tau_s), p.adev,
                 p.adev * 1e6, p.terms);
    }
  }
  std::string tol = core::format_duration(a.tolerance_s);
  if (a.reliable_forever) {
    fmt::print("reliable   no drift or jitter measured: the error never reaches {} in this model\n", tol);
  } else if (a.reliable_s <= 0) {
    fmt::print("reliable   never: the jitter alone (2 sigma) exceeds the tolerance of {}\n", tol);
  } else {
    fmt::print("reliable   for {} after a sync, to within {}{}\n", core::format_duration(a.reliable_s), tol,
               a.reliable_extrapolated ? " (longer than the run: assumes the drift stays as measured)" : "");
  }
  if (a.resync_interval_s > 0) {
    fmt::print("resync     every {}{}\n", core::format_duration(a.resync_interval_s),
               a.resync_capped ? " (the length of the run: record longer to justify more)" : "");
  } else {
    fmt::print("resync     no interval keeps the error within {}\n", tol);
  }
}

}  // namespace

std::string short_seconds_text(double s) {
  double a = std::fabs(s);
  if (a >= 1) return fmt::format("{:.3f} s", s);
  if (a >= 1e-3) return fmt::format("{:.3f} ms", s * 1e3);
  return fmt::format("{:.1f} µs", s * 1e6);
}

std::string ppm_text(double ppm, double uncertainty_ppm) {
  // Two significant digits of the uncertainty, and the value to the same place.
  int decimals = 3;
  if (uncertainty_ppm > 0 && std::isfinite(uncertainty_ppm)) {
    decimals = std::clamp(1 - static_cast<int>(std::floor(std::log10(uncertainty_ppm))), 0, 4);
  }
  return fmt::format("{:+.{}f} ± {:.{}f} ppm", ppm, decimals, uncertainty_ppm, decimals);
}

bool run_analysis(const Input& input, const core::DriftOptions& options, core::DriftAnalysis& out,
                  int& exit_code) {
  auto a = core::analyze_drift(input.samples, options);
  if (!a) {
    fmt::print(stderr, "driftlog: error: {}: {}\n", input.name, core::describe(a.error()));
    exit_code = a.error() == core::DriftError::TooFewSamples || a.error() == core::DriftError::NoTimeSpan
                    ? kExitTooFew
                    : kExitMalformed;
    return false;
  }
  out = std::move(*a);
  return true;
}

int analyze(const AnalyzeOptions& opt) {
  Input in;
  int code = 0;
  if (!read_input(opt.path, in, code)) return code;
  core::DriftOptions d;
  d.tolerance_s = opt.tolerance_s;
  d.step_threshold_s = opt.step_s;
  core::DriftAnalysis a;
  if (!run_analysis(in, d, a, code)) return code;
  if (opt.json) {
    fmt::print("{}\n", to_json(in, a).dump());
  } else {
    print_human(in, a);
  }
  return std::fflush(stdout) == 0 ? 0 : kExitFailure;
}

}  // namespace lansync::driftlog
