// rtcset's commands; see commands.hpp.
#include "commands.hpp"

#include <fmt/core.h>

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/drift_log.hpp"
#include "core/rtc.hpp"
#include "flow/rtc_sync.hpp"
#include "os/file.hpp"
#include "proto/units.hpp"

namespace lansync::rtcset {
namespace {

using proto::kNsPerSecond;
// A drift log of a week at one sample a second is about 40 MB.
constexpr size_t kMaxCsvBytes = 256 * 1024 * 1024;

using proto::to_seconds;

// "2026-03-01 12:00:00.512345 UTC"
std::string system_time_text(int64_t ns) {
  int64_t s = ns / kNsPerSecond - (ns % kNsPerSecond < 0 ? 1 : 0);
  std::string whole = core::readable_utc(s);
  return fmt::format("{}.{:06d} UTC", whole.substr(0, whole.size() - 4), (ns - s * kNsPerSecond) / 1000);
}

// "2026-03-01T12:00:00Z", for JSON.
std::string iso_utc(int64_t unix_s) {
  std::string t = core::readable_utc(unix_s);  // "2026-03-01 12:00:00 UTC"
  return t.substr(0, 10) + "T" + t.substr(11, 8) + "Z";
}

std::string signed_int(int v) { return fmt::format("{:+d}", v); }

// "+3 (slows the clock by about 0.3 ppm)"
std::string aging_text(int aging) {
  if (aging == 0) return "0 (no correction)";
  return fmt::format("{} ({} the clock by about {:.1f} ppm)", signed_int(aging),
                     aging > 0 ? "slows" : "speeds up", 0.1 * std::abs(aging));
}

// "1 Hz on INT/SQW", "off (INT/SQW is the alarm interrupt)"
std::string square_wave_text(uint16_t hz) {
  if (hz == 0) return "off (INT/SQW is the alarm interrupt)";
  if (hz == 1) return "1 Hz on INT/SQW";
  return fmt::format("{:.3f} kHz on INT/SQW", hz / 1000.0);
}

// What show prints, gathered once and rendered as text or JSON.
struct ShowView {
  std::string device;
  flow::TickReading tick;
  int64_t system_ns = 0;
  std::optional<int64_t> diff_ns, diff_unc_ns;  // RTC - system, and its uncertainty
  std::optional<os::Ds3231Details> details;     // DS3231 over I2C only
};

void print_json(const ShowView& v) {
  using json = nlohmann::ordered_json;
  const os::RtcReading& r = v.tick.reading;
  const auto& d = v.details;
  json j;
  j["device"] = v.device;
  j["rtc_unix"] = r.has_time ? json(r.unix_s) : json(nullptr);
  j["rtc_utc"] = r.has_time ? json(iso_utc(r.unix_s)) : json(nullptr);
  j["system_unix"] = to_seconds(v.system_ns);
  j["difference_s"] = v.diff_ns ? json(to_seconds(*v.diff_ns)) : json(nullptr);
  j["difference_uncertainty_s"] = v.diff_unc_ns ? json(to_seconds(*v.diff_unc_ns)) : json(nullptr);
  j["valid"] = r.valid;
  j["problem"] = r.valid ? json(nullptr) : json(r.problem);
  j["temperature_c"] = d ? json(d->temperature_qc / 4.0) : json(nullptr);
  j["aging"] = d ? json(d->aging) : json(nullptr);
  j["osf"] = d ? json(d->osf) : json(nullptr);
  j["stop_on_battery"] = d ? json(d->stop_on_battery) : json(nullptr);
  j["square_wave_hz"] = d ? json(d->square_wave_hz) : json(nullptr);
  fmt::print("{}\n", j.dump());
}

void print_text(const ShowView& v) {
  const os::RtcReading& r = v.tick.reading;
  fmt::print("device:      {}\n", v.device);
  fmt::print("rtc time:    {}\n", r.has_time ? core::readable_utc(r.unix_s) : "none");
  fmt::print("system time: {}\n", system_time_text(v.system_ns));
  if (v.diff_ns) {
    fmt::print("difference:  {:+.3f} s ± {:.3f} s (RTC - system{})\n", to_seconds(*v.diff_ns),
               to_seconds(*v.diff_unc_ns), v.tick.at_tick ? ", read at the RTC's tick" : "");
  }
  fmt::print("valid:       {}\n", r.valid ? "yes" : "no: " + r.problem);
  if (!v.details) return;
  const os::Ds3231Details& d = *v.details;
  fmt::print("temperature: {:+.2f} °C\n", d.temperature_qc / 4.0);
  fmt::print("aging:       {}\n", aging_text(d.aging));
  fmt::print("on battery:  {}\n",
             d.stop_on_battery ? "stops (EOSC set): the time is lost at every power cut; --systohc clears it"
                               : "keeps time");
  fmt::print("square wave: {}\n", square_wave_text(d.square_wave_hz));
}

int refuse(const std::string& what, const std::string& why) {
  fmt::print(stderr, "rtcset: refusing to {}: {}\n", what, why);
  return kRefused;
}

}  // namespace

int report_error(const std::string& message, int code) {
  fmt::print(stderr, "rtcset: error: {}\n", message);
  return code;
}

int show(os::Rtc& rtc, os::Clock& clock, const Options& opt) {
  auto tick = flow::read_rtc_at_tick(rtc, clock);
  if (!tick) return report_error(tick.error().message, kRtcError);
  ShowView v{rtc.name(), *tick, clock.now_ns()};
  const os::RtcReading& r = tick->reading;
  // RTC - system at the same instant: exact to the tick when caught, else
  // only to the second the RTC shows.
  if (r.has_time) {
    if (tick->at_tick) {
      v.diff_ns = r.unix_s * kNsPerSecond - tick->tick_system_ns;
      v.diff_unc_ns = tick->tick_uncertainty_ns;
    } else {
      v.diff_ns = r.unix_s * kNsPerSecond + kNsPerSecond / 2 - v.system_ns;
      v.diff_unc_ns = kNsPerSecond / 2;
    }
  }
  if (auto d = rtc.read_details(); d) {
    v.details = *d;
  } else if (d.error().code != std::make_error_code(std::errc::not_supported)) {
    return report_error(d.error().message, kRtcError);
  }
  if (opt.json) {
    print_json(v);
  } else {
    print_text(v);
  }
  return r.valid ? kOk : kRefused;
}

int hctosys(os::Rtc& rtc, os::Clock& clock, const Options& opt) {
  flow::HcToSysReport rep = flow::rtc_to_system(rtc, clock, {opt.earliest_unix_s, opt.state_path});
  switch (rep.outcome) {
    case flow::RtcOutcome::Done: break;
    case flow::RtcOutcome::Refused:
      return refuse("set the system clock from " + rtc.name(),
                    rep.message + "; the system clock is unchanged");
    case flow::RtcOutcome::RtcFailed: return report_error(rep.message, kRtcError);
    case flow::RtcOutcome::ClockFailed: return report_error(rep.message, kClockFailed);
  }
  if (!rep.left_alone.empty()) {
    fmt::print("system clock left alone: {}; the RTC's {} ({}) is {:+.6f} s from it\n", rep.left_alone,
               core::readable_utc(rep.tick.reading.unix_s), rtc.name(), to_seconds(rep.offset_ns));
  } else if (rep.action == core::Correction::None) {
    fmt::print("system clock already at the RTC's {} ({}); recorded as verified\n",
               core::readable_utc(rep.tick.reading.unix_s), rtc.name());
  } else {
    fmt::print("system clock stepped by {:+.6f} s to the RTC's {} ({}, read at its tick ± {:.3f} s)\n",
               to_seconds(rep.offset_ns), core::readable_utc(rep.tick.reading.unix_s), rtc.name(),
               to_seconds(rep.tick.tick_uncertainty_ns));
  }
  return kOk;
}

int systohc(os::Rtc& rtc, os::Clock& clock, const Options& opt) {
  flow::SysToHcReport rep = flow::system_to_rtc(rtc, clock, {opt.state_path, opt.max_age_ns, opt.force});
  if (rep.outcome == flow::RtcOutcome::Refused) {
    return refuse("write the system clock to " + rtc.name(), rep.message + "; --force overrides");
  }
  if (!rep.verdict.allowed) {
    fmt::print(stderr, "rtcset: warning: --force: writing a system clock that is not trusted: {}\n",
               rep.verdict.reason);
  }
  if (rep.outcome != flow::RtcOutcome::Done) return report_error(rep.message, kRtcError);
  fmt::print("{} set to {} at {:+.6f} s past the second{} ({})\n", rtc.name(),
             core::readable_utc(rep.written.second_unix_s), to_seconds(rep.written.late_ns),
             rep.was_valid ? "" : ", its invalid flag cleared", rep.verdict.reason);
  return kOk;
}

int set_aging(os::Rtc& rtc, int aging) {
  auto before = rtc.read_details();
  if (!before) return report_error(before.error().message, kRtcError);
  if (auto st = rtc.write_aging(static_cast<int8_t>(aging)); !st)
    return report_error(st.error().message, kRtcError);
  fmt::print("{}: aging offset {} -> {}\n", rtc.name(), signed_int(before->aging), aging_text(aging));
  return kOk;
}

int set_square_wave(os::Rtc& rtc, bool one_hz) {
  auto before = rtc.write_square_wave(one_hz);
  if (!before) return report_error(before.error().message, kRtcError);
  fmt::print("{}: square wave {} -> {}\n", rtc.name(), square_wave_text(*before),
             square_wave_text(one_hz ? 1 : 0));
  return kOk;
}

int trim(const Options& opt) {
  auto text = os::read_small_file(opt.from, kMaxCsvBytes);
  if (!text) return report_error(text.error().message, kUsage);
  auto rows = core::parse_drift_csv(*text);
  if (!rows)
    return report_error(fmt::format("{}: line {}: {}", opt.from, rows.error().line, rows.error().message),
                        kUsage);
  auto drift = core::rtc_drift_from_rows(*rows);
  if (!drift) {
    const core::TrimInputError& e = drift.error();
    std::string where = e.line > 0 ? fmt::format("{}: line {}", opt.from, e.line) : opt.from;
    return report_error(where + ": " + e.message, kUsage);
  }
  const core::LineFit& f = drift->fit;
  double fast_ppm = f.slope * 1e6;
  fmt::print("{}: {} samples over {} ({} failed), source {}\n", opt.from, f.n,
             core::human_duration(std::llround(drift->span_s * 1e9)), drift->failed_samples, drift->source);
  fmt::print("the RTC runs {:.3f} ppm {} (± {:.3f} ppm; residual RMS {:.4f} s)\n", std::fabs(fast_ppm),
             fast_ppm >= 0 ? "fast" : "slow", f.slope_se * 1e6, f.residual_rms);
  // Judged before the RTC is opened: an imprecise measurement needs no device.
  core::AgingTrim relative = core::plan_aging_trim(*drift, 0);
  if (!relative.precise_enough) return refuse("trim the aging offset", relative.imprecision);
  auto rtc = os::open_rtc(opt.rtc);
  flow::TrimReport rep;
  if (rtc) rep = flow::trim_aging(**rtc, *drift, opt.apply);
  if (!rtc || rep.outcome != flow::RtcOutcome::Done) {
    // The change is known without the chip; the value to write is not.
    fmt::print("aging offset: change {} steps of about 0.1 ppm from the value the run was measured with\n",
               signed_int(relative.change_steps));
    return report_error(rtc ? rep.message : rtc.error().message, kRtcError);
  }
  const core::AgingTrim& plan = rep.plan;
  if (plan.change_steps == 0 && !plan.clamped) {
    fmt::print("aging offset {} is right to within half a step: nothing to change\n",
               signed_int(plan.current_aging));
    return kOk;
  }
  fmt::print("aging offset: {} now, {} proposed (change {} steps of about 0.1 ppm)\n",
             signed_int(plan.current_aging), signed_int(plan.proposed_aging), signed_int(plan.change_steps));
  if (plan.clamped) {
    fmt::print(stderr,
               "rtcset: warning: the drift is beyond what the aging offset can correct (-128..127 steps)\n");
  }
  if (rep.written) {
    fmt::print("{}: aging offset set to {}\n", (*rtc)->name(), aging_text(plan.proposed_aging));
  } else if (!opt.apply) {
    fmt::print("dry run: nothing written; add --apply to write it\n");
  }
  return kOk;
}

}  // namespace lansync::rtcset
