// rtcset: the battery-backed RTC as a source of time that says when it is wrong, like hwclock but honest.
//
// rtcset [show] reads the RTC, --hctosys sets the system clock from it,
// --systohc writes a trusted system clock to it, --aging and trim set a
// DS3231's aging offset, --square-wave its INT/SQW pin (1 Hz, a PPS).  Exit
// codes (rtcset(8)): 0 ok, 1 RTC error, 2 usage or bad input file, 3 refused
// (invalid RTC time, untrusted system clock, imprecise measurement), 5 the
// system clock or sync-state file not set.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <string>

#include "cli/command_line.hpp"
#include "codec/timestamp.hpp"
#include "commands.hpp"
#include "core/trust.hpp"
#include "os/clock.hpp"
#include "os/file_sync_state.hpp"
#include "os/rtc.hpp"

int main(int argc, char** argv) {
  using namespace lansync;
  rtcset::Options opt;
  opt.state_path = os::kDefaultSyncStatePath;
  bool hctosys = false, systohc = false;
  int aging = 0;
  std::string square_wave;
  double max_age_s = core::kDefaultMaxAgeNs / 1e9;

  CLI::App app{"Read and set the battery-backed real-time clock (RTC), refusing times it knows are wrong.",
               "rtcset"};
  app.set_version_flag("-V,--version", LANSYNC_VERSION);
  app.require_subcommand(0, 1);
  app.fallthrough();
  auto* show_cmd = app.add_subcommand("show",
                                      "print the RTC's time, its difference to the system clock and "
                                      "whether it is valid (the default)");
  auto* trim_cmd =
      app.add_subcommand("trim", "compute a DS3231's aging offset from a driftlog run of the RTC");
  trim_cmd->add_option("--from", opt.from, "the driftlog CSV")->required()->type_name("FILE");
  trim_cmd->add_flag("--apply", opt.apply, "write the proposed aging offset (without it: a dry run)");
  trim_cmd->fallthrough();
  show_cmd->fallthrough();

  auto* hc = app.add_flag("--hctosys", hctosys, "set the system clock from the RTC");
  auto* sys = app.add_flag("--systohc", systohc, "write the system clock to the RTC at a whole second");
  auto* ag = app.add_option("--aging", aging, "set a DS3231's aging offset, -128..127 (about 0.1 ppm a step)")
                 ->check(CLI::Range(-128, 127))
                 ->type_name("N");
  auto* sw = app.add_option("--square-wave", square_wave,
                            "set a DS3231's INT/SQW pin: 1hz, a 1 Hz square wave (a PPS for sntpd's --gps "
                            "pps:PATH local), or off, the alarm interrupt it powers on as")
                 ->check(CLI::IsMember({"1hz", "off"}));
  hc->excludes(sys)->excludes(ag)->excludes(sw);
  sys->excludes(ag)->excludes(sw);
  ag->excludes(sw);
  app.add_flag("--json", opt.json, "show: one JSON object instead of text");
  app.add_flag("--force", opt.force, "--systohc: write even when the system clock is not trusted")
      ->needs(sys);
  cli::add_bounded(app, "--max-age", max_age_s,
                   "--systohc: how old (seconds) a sync-state record may be and count", 1.0, 1e9)
      ->type_name("SECONDS")
      ->needs(sys);
  auto* dev = app.add_option("--device", opt.rtc.device, "the kernel RTC device (default /dev/rtc0)")
                  ->type_name("PATH");
  app.add_option("--bus", opt.rtc.bus, "talk to a DS3231 on /dev/i2c-N directly (no kernel driver bound)")
      ->check(CLI::Range(0, 255))
      ->type_name("N")
      ->excludes(dev);
  app.add_option("--state", opt.state_path, "sync-state file: --hctosys writes it, --systohc reads it")
      ->capture_default_str()
      ->type_name("PATH");
  app.footer(
      "Forms:\n"
      "  rtcset [show] [--json]\n"
      "  rtcset --hctosys\n"
      "  rtcset --systohc [--force] [--max-age SECONDS]\n"
      "  rtcset --aging N\n"
      "  rtcset --square-wave 1hz|off\n"
      "  rtcset trim --from FILE [--apply]\n"
      "Exit codes: 0 ok, 1 RTC error, 2 usage or bad input, 3 refused, 5 system clock not set. See "
      "rtcset(8).");
  if (auto code = cli::parse_command_line(app, argc, argv)) return *code;

  bool trimming = trim_cmd->parsed();
  bool setting = ag->count() > 0 || sw->count() > 0;
  int actions = (show_cmd->parsed() ? 1 : 0) + (trimming ? 1 : 0) + (hctosys ? 1 : 0) + (systohc ? 1 : 0) +
                (ag->count() > 0 ? 1 : 0) + (sw->count() > 0 ? 1 : 0);
  if (actions > 1)
    return cli::usage_error("rtcset",
                            "choose one of show, trim, --hctosys, --systohc, --aging and --square-wave");
  if (opt.json && (trimming || hctosys || systohc || setting))
    return cli::usage_error("rtcset", "--json goes with show only");

  // Never before the build, and never before lansync's own floor.
  opt.earliest_unix_s = std::max<int64_t>(LANSYNC_BUILD_DAY_UNIX, codec::kEarliestPlausibleUnixSeconds);
  opt.max_age_ns = cli::seconds_to_ns(max_age_s);
  if (trimming) return rtcset::trim(opt);

  auto rtc = os::open_rtc(opt.rtc);
  if (!rtc) return rtcset::report_error(rtc.error().message, rtcset::kRtcError);
  os::SystemClock clock;
  if (hctosys) return rtcset::hctosys(**rtc, clock, opt);
  if (systohc) return rtcset::systohc(**rtc, clock, opt);
  if (ag->count() > 0) return rtcset::set_aging(**rtc, aging);
  if (sw->count() > 0) return rtcset::set_square_wave(**rtc, square_wave == "1hz");
  return rtcset::show(**rtc, clock, opt);
}
