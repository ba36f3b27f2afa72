// The drift chart; see plot.hpp.
//
// Layout (pixels): a 900 x 540 canvas; the plot area from x 90 to 870 and y 78
// to 470, framed on the left and bottom by the axes.  Offsets are blue dots
// (outliers hollow), the fitted drift a red line per segment, failed samples
// orange crosses along the bottom of the plot area at their time, steps
// dashed grey verticals.  Units follow the data: time in s, min, h or d;
// offset in s, ms or µs.
#include "plot.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "analyze.hpp"
#include "core/duration.hpp"
#include "input.hpp"
#include "svg.hpp"

namespace lansync::driftlog {
namespace {

constexpr double kWidth = 900, kHeight = 540;
constexpr double kLeft = 90, kRight = 870, kTop = 78, kBottom = 470;
constexpr const char* kInk = "#222222";
constexpr const char* kPointColor = "#1f77b4";
constexpr const char* kFitColor = "#d62728";
constexpr const char* kFailColor = "#ff7f0e";

struct Unit {
  const char* name;
  double seconds;
};

// An axis: the range lo..hi shown (the data with a margin, so that no point
// sits on an axis line), ticks at multiples of step (seconds) within it,
// labelled in unit.
struct Axis {
  double lo = 0, hi = 1, step = 1;
  double first_tick = 0;
  Unit unit{"s", 1};
  int decimals = 0;
};

double nice_step(double raw) {
  double p = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * p >= raw) return m * p;
  }
  return 10 * p;
}

// margin_lo/hi: fractions of the data's span added below and above it.
Axis make_axis(double lo, double hi, bool time_axis, double margin_lo, double margin_hi) {
  if (!(hi > lo)) {
    double pad = time_axis ? 1 : std::max(1e-3, std::fabs(lo) * 1e-3);
    lo -= pad;
    hi += pad;
  }
  Axis a;
  double span = hi - lo;
  a.lo = lo - span * margin_lo;
  a.hi = hi + span * margin_hi;
  if (time_axis) {
    a.unit = span <= 300         ? Unit{"s", 1}
             : span <= 5 * 3600  ? Unit{"min", 60}
             : span <= 72 * 3600 ? Unit{"h", 3600}
                                 : Unit{"d", 86400};
    a.step = nice_step(span / a.unit.seconds / 6) * a.unit.seconds;  // round numbers of the unit
  } else {
    a.step = nice_step(span / 6);
    a.unit = a.step >= 0.1 ? Unit{"s", 1} : a.step >= 1e-4 ? Unit{"ms", 1e-3} : Unit{"µs", 1e-6};
  }
  a.first_tick = std::ceil(a.lo / a.step - 1e-9) * a.step;
  double step_in_unit = a.step / a.unit.seconds;
  a.decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step_in_unit) + 1e-9)));
  return a;
}

double to_x(const Axis& a, double t) { return kLeft + (t - a.lo) / (a.hi - a.lo) * (kRight - kLeft); }
double to_y(const Axis& a, double v) { return kBottom - (v - a.lo) / (a.hi - a.lo) * (kBottom - kTop); }

std::string tick_label(const Axis& a, double v) {
  double u = v / a.unit.seconds;
  if (std::fabs(u) < 1e-12) u = 0;  // no "-0"
  return fmt::format("{:.{}f}", u, a.decimals);
}

std::string source_of(const Input& in) {
  for (const core::DriftRow& r : in.rows) {
    if (!r.source.empty()) return r.source;
  }
  return in.name;
}

using Analysis = Result<core::DriftAnalysis, core::DriftError>;

// The two axes: time over the run; offsets (and the fit) with room below for the failures' crosses.
std::pair<Axis, Axis> axes_of(const Input& in, const Analysis& analysis) {
  double t_lo = in.samples.front().t_s, t_hi = in.samples.back().t_s;
  double y_lo = INFINITY, y_hi = -INFINITY;
  for (size_t i = 0; i < in.samples.size(); ++i) {
    if (!in.samples[i].ok) continue;
    y_lo = std::min(y_lo, in.samples[i].offset_s);
    y_hi = std::max(y_hi, in.samples[i].offset_s);
    if (analysis && std::isfinite(analysis->fitted_offset_s[i])) {
      y_lo = std::min(y_lo, analysis->fitted_offset_s[i]);
      y_hi = std::max(y_hi, analysis->fitted_offset_s[i]);
    }
  }
  if (!std::isfinite(y_lo)) y_lo = y_hi = 0;  // nothing but failures
  return {make_axis(t_lo, t_hi, true, 0.02, 0.02), make_axis(y_lo, y_hi, false, 0.12, 0.05)};
}

// The line under the title: drift, jitter, samples, span and steps, or why there is no fit.
std::string summary_text(const Input& in, const Analysis& analysis) {
  size_t failed = static_cast<size_t>(
      std::count_if(in.samples.begin(), in.samples.end(), [](const core::DriftSample& s) { return !s.ok; }));
  if (!analysis) {
    return fmt::format("{} samples ({} failed): {}", in.samples.size(), failed,
                       core::describe(analysis.error()));
  }
  std::string jitter_text = short_seconds_text(analysis->jitter_s);
  std::string summary =
      fmt::format("drift {}, jitter {} RMS, {} samples ({} failed) over {}",
                  ppm_text(analysis->drift_ppm, analysis->drift_uncertainty_ppm), jitter_text,
                  in.samples.size(), failed, core::format_duration(analysis->span_s));
  if (analysis->segments.size() > 1) {
    size_t steps = analysis->segments.size() - 1;
    summary += fmt::format(", {} step{}", steps, steps == 1 ? "" : "s");
  }
  return summary;
}

// Title, summary and the legend under the summary on the right.
void draw_heading(Svg& svg, const std::string& title, const std::string& summary) {
  svg.text(kLeft, 26, title, "start", 16, R"(fill="#222222" font-weight="bold")");
  svg.text(kLeft, 46, summary, "start", 12, R"(fill="#444444")");
  svg.circle(kRight - 290, 58, 3, fmt::format(R"(fill="{}")", kPointColor));
  svg.text(kRight - 282, 62, "offset", "start", 11, R"(fill="#222222")");
  svg.line(kRight - 220, 58, kRight - 200, 58, fmt::format(R"(stroke="{}" stroke-width="2")", kFitColor));
  svg.text(kRight - 195, 62, "fitted drift", "start", 11, R"(fill="#222222")");
  svg.line(kRight - 110, 54, kRight - 102, 62, fmt::format(R"(stroke="{}" stroke-width="2")", kFailColor));
  svg.line(kRight - 110, 62, kRight - 102, 54, fmt::format(R"(stroke="{}" stroke-width="2")", kFailColor));
  svg.text(kRight - 96, 62, "failed sample", "start", 11, R"(fill="#222222")");
}

// Grid, ticks and their labels, and the axis titles.
void draw_grid(Svg& svg, const Axis& x, const Axis& y) {
  svg.open_group(R"(id="grid" stroke="#e6e6e6" stroke-width="1")");
  for (double v = x.first_tick; v <= x.hi; v += x.step) svg.line(to_x(x, v), kTop, to_x(x, v), kBottom, "");
  for (double v = y.first_tick; v <= y.hi; v += y.step) svg.line(kLeft, to_y(y, v), kRight, to_y(y, v), "");
  svg.close_group();
  svg.open_group(fmt::format(R"(id="ticks" stroke="{}" fill="{}")", kInk, kInk));
  for (double v = x.first_tick; v <= x.hi; v += x.step) {
    svg.line(to_x(x, v), kBottom, to_x(x, v), kBottom + 5, "");
    svg.text(to_x(x, v), kBottom + 20, tick_label(x, v), "middle", 12, R"(stroke="none")");
  }
  for (double v = y.first_tick; v <= y.hi; v += y.step) {
    svg.line(kLeft - 5, to_y(y, v), kLeft, to_y(y, v), "");
    svg.text(kLeft - 8, to_y(y, v) + 4, tick_label(y, v), "end", 12, R"(stroke="none")");
  }
  svg.close_group();
  svg.text((kLeft + kRight) / 2, kBottom + 45, fmt::format("time since the start ({})", x.unit.name),
           "middle", 13, R"(fill="#222222")");
  svg.text(24, (kTop + kBottom) / 2, fmt::format("offset: reference − local clock ({})", y.unit.name),
           "middle", 13, R"(fill="#222222")", -90);
}

// The steps, dashed verticals, and the fitted drift, a straight line over each segment.
void draw_fit(Svg& svg, const Axis& x, const Axis& y, const core::DriftAnalysis& analysis) {
  for (size_t k = 1; k < analysis.segments.size(); ++k) {
    const core::DriftSegment& s = analysis.segments[k];
    double px = to_x(x, s.start_s);
    svg.line(px, kTop, px, kBottom, R"(stroke="#888888" stroke-width="1" stroke-dasharray="4 3")");
    svg.text(px + 4, kTop + 14, fmt::format("step {:+.6g} s", s.step_s), "start", 11, R"(fill="#555555")");
  }
  svg.open_group(fmt::format(R"(id="fit" stroke="{}" stroke-width="2")", kFitColor));
  for (const core::DriftSegment& s : analysis.segments) {
    double a = analysis.fitted_offset_s[s.first], b = analysis.fitted_offset_s[s.last];
    svg.line(to_x(x, s.start_s), to_y(y, a), to_x(x, s.end_s), to_y(y, b), "");
  }
  svg.close_group();
}

// Samples: dots, hollow for outliers; crosses for failures.
void draw_samples(Svg& svg, const Axis& x, const Axis& y, const Input& in, const Analysis& analysis) {
  svg.open_group(fmt::format(R"(id="samples" fill="{}")", kPointColor));
  for (size_t i = 0; i < in.samples.size(); ++i) {
    const core::DriftSample& s = in.samples[i];
    if (!s.ok) continue;
    bool outlier = analysis && std::find(analysis->outliers.begin(), analysis->outliers.end(), i) !=
                                   analysis->outliers.end();
    svg.circle(to_x(x, s.t_s), to_y(y, s.offset_s), outlier ? 3.5 : 2.5,
               outlier ? fmt::format(R"(fill="none" stroke="{}" stroke-width="1.2")", kPointColor) : "");
  }
  svg.close_group();
  svg.open_group(fmt::format(R"(id="failed" stroke="{}" stroke-width="2")", kFailColor));
  for (const core::DriftSample& s : in.samples) {
    if (s.ok) continue;
    double px = to_x(x, s.t_s), py = kBottom - 12;
    svg.line(px - 4, py - 4, px + 4, py + 4, "");
    svg.line(px - 4, py + 4, px + 4, py - 4, "");
  }
  svg.close_group();
}

// The whole chart as an SVG document.
std::string chart(const Input& in, const Analysis& analysis, const PlotOptions& opt) {
  auto [x, y] = axes_of(in, analysis);
  Svg svg(kWidth, kHeight);
  svg.comment("driftlog plot of " + in.name);
  svg.rect(0, 0, kWidth, kHeight, R"(fill="#ffffff")");
  draw_heading(svg, opt.title.empty() ? "driftlog: " + source_of(in) : opt.title, summary_text(in, analysis));
  draw_grid(svg, x, y);
  if (analysis) draw_fit(svg, x, y, *analysis);
  draw_samples(svg, x, y, in, analysis);
  // The axes last, over the grid and the data at the edges.
  svg.line(kLeft, kTop, kLeft, kBottom, fmt::format(R"(stroke="{}" stroke-width="1.5")", kInk));
  svg.line(kLeft, kBottom, kRight, kBottom, fmt::format(R"(stroke="{}" stroke-width="1.5")", kInk));
  return svg.finish();
}

}  // namespace

int plot(const PlotOptions& opt) {
  Input in;
  int code = 0;
  if (!read_input(opt.path, in, code)) return code;
  if (in.rows.empty()) {
    fmt::print(stderr, "driftlog: error: {}: no samples to plot\n", in.name);
    return kExitTooFew;
  }
  core::DriftOptions d;
  d.step_threshold_s = opt.step_s;
  auto analysis = core::analyze_drift(in.samples, d);
  if (!analysis && analysis.error() != core::DriftError::TooFewSamples &&
      analysis.error() != core::DriftError::NoTimeSpan) {
    fmt::print(stderr, "driftlog: error: {}: {}\n", in.name, core::describe(analysis.error()));
    return kExitMalformed;
  }
  std::string doc = chart(in, analysis, opt);
  if (std::fwrite(doc.data(), 1, doc.size(), stdout) != doc.size() || std::fflush(stdout) != 0) {
    fmt::print(stderr, "driftlog: error: cannot write the SVG to stdout\n");
    return kExitFailure;
  }
  return 0;
}

}  // namespace lansync::driftlog
