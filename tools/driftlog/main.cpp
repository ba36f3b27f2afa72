// driftlog: how far does this clock drift, and so how long can it be trusted after a sync?
//
//   driftlog [record] --source SCHEME:ARG [-i S] [-n N | -d DURATION]   CSV rows on stdout
//   driftlog analyze [FILE|-] [--tolerance S] [--step S] [--json]        drift, jitter, Allan, reliability
//   driftlog plot [FILE|-] [--step S] [--title TEXT] > drift.svg         the chart
//
// Exit codes (driftlog(1)): 0 ok (record: also when stopped by SIGINT or
// SIGTERM); 1 the input cannot be read or the output cannot be written;
// 2 usage error (including a source that cannot be opened, e.g. a name that
// does not resolve); 3 the source is not available in this build; 4 the input
// is not a driftlog CSV (the line is named); 5 too few good samples to analyse.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <optional>
#include <string>

#include "analyze.hpp"
#include "cli/command_line.hpp"
#include "core/duration.hpp"
#include "input.hpp"
#include "plot.hpp"
#include "record.hpp"
#include "source.hpp"

namespace lansync::driftlog {
namespace {

struct RecordCli {
  std::string source;
  double interval_s = 60;
  int64_t count = 0;
  std::string duration;
  double timeout_s = 0;
};

int usage_error(const std::string& message) { return cli::usage_error("driftlog", message); }

int run_record(const RecordCli& cli) {
  if (cli.source.empty()) return usage_error("--source is required, one of " + available_sources());
  auto source = open_source(cli.source);
  if (!source) return usage_error(source.error().message);
  RecordOptions opt;
  opt.source_spec = cli.source;
  opt.interval_ns = cli::seconds_to_ns(cli.interval_s);
  if (cli.count > 0) opt.count = cli.count;
  if (!cli.duration.empty()) opt.duration_ns = cli::seconds_to_ns(*core::parse_duration_s(cli.duration));
  double timeout_s = cli.timeout_s > 0 ? cli.timeout_s : std::min(cli.interval_s, 5.0);
  opt.timeout_ns = cli::seconds_to_ns(timeout_s);
  return record(**source, opt);
}

}  // namespace
}  // namespace lansync::driftlog

int main(int argc, char** argv) {
  using namespace lansync;
  using namespace lansync::driftlog;
  CLI::App app{
      "Record, analyse and plot the drift of this clock against a reference.\n"
      "  driftlog [record] --source SCHEME:ARG ...   measure, CSV rows on stdout (the default)\n"
      "  driftlog analyze [FILE|-] ...               drift, jitter, Allan deviation, reliability\n"
      "  driftlog plot [FILE|-] ... > drift.svg      the chart",
      "driftlog"};
  app.set_version_flag("-V,--version", LANSYNC_VERSION);
  app.require_subcommand(0, 1);

  RecordCli rec;
  std::vector<CLI::Option*> record_options;
  record_options.push_back(
      app.add_option(
             "-s,--source", rec.source,
             "the reference: ntp:HOST[:PORT], cmd:COMMAND (rtc:, ds3231: and camera: come with rtcset and "
             "camsync)")
          ->type_name("SCHEME:ARG"));
  record_options.push_back(
      cli::add_bounded(app, "-i,--interval", rec.interval_s, "seconds between measurements", 0.01, 86400.0));
  record_options.push_back(
      app.add_option("-n,--count", rec.count, "stop after N rows (a missed slot's row counts)")
          ->check(CLI::Range(int64_t{1}, int64_t{1'000'000'000})));
  record_options.push_back(
      app.add_option("-d,--duration", rec.duration, "stop after this long: 90s, 30m, 12h, 1d, 1h30m")
          ->type_name("DURATION")
          ->check(cli::check_duration));
  record_options.push_back(
      app.add_option("-t,--timeout", rec.timeout_s,
                     "seconds one measurement may take (default: the interval, at most 5)")
          ->check(CLI::Range(0.001, 3600.0)));
  CLI::App* record_cmd = app.add_subcommand("record", "measure and write CSV rows on stdout (the default)");
  record_cmd->fallthrough();

  AnalyzeOptions an;
  CLI::App* analyze_cmd = app.add_subcommand(
      "analyze", "drift with its uncertainty, steps, jitter, Allan deviation, reliability");
  analyze_cmd->add_option("file", an.path, "a driftlog CSV; - or nothing: stdin")->type_name("FILE|-");
  cli::add_bounded(*analyze_cmd, "--tolerance", an.tolerance_s, "seconds of error the clock may reach", 1e-9,
                   1e9);
  analyze_cmd
      ->add_option("--step", an.step_s,
                   "a jump beyond the drift larger than this (seconds) plus half each sample's round trip "
                   "is a step; default: automatic")
      ->check(CLI::Range(1e-9, 1e9));
  analyze_cmd->add_flag("--json", an.json, "one JSON object instead of the human report");

  PlotOptions pl;
  CLI::App* plot_cmd = app.add_subcommand("plot", "an SVG chart of the run on stdout");
  plot_cmd->add_option("file", pl.path, "a driftlog CSV; - or nothing: stdin")->type_name("FILE|-");
  plot_cmd->add_option("--step", pl.step_s, "step threshold of the fit, as for analyze")
      ->check(CLI::Range(1e-9, 1e9));
  plot_cmd->add_option("--title", pl.title, "the chart's title (default: driftlog: SOURCE)");

  if (auto code = cli::parse_command_line(app, argc, argv)) return *code;
  bool record_given = std::any_of(record_options.begin(), record_options.end(),
                                  [](CLI::Option* o) { return o->count() > 0; });
  if (analyze_cmd->parsed() || plot_cmd->parsed()) {
    if (record_given)
      return usage_error("--source, --interval, --count, --duration and --timeout are for record");
    return analyze_cmd->parsed() ? analyze(an) : plot(pl);
  }
  return run_record(rec);
}
