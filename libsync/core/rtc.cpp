// Battery clock rules; see rtc.hpp.
#include "core/rtc.hpp"

#include <cmath>
#include <cstdio>

#include "codec/calendar.hpp"
#include "core/record_age.hpp"
#include "proto/units.hpp"

namespace lansync::core {
namespace {

using proto::kNsPerSecond;

constexpr double kPpmPerAgingStep = 0.1;

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

std::string ppm_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f ppm", v);
  return buf;
}

// Trusted on the strength of a fresh record rtcset --hctosys wrote: the RTC's own word.
bool trusted_by_the_rtc_itself(const TrustEvidence& e, const TrustVerdict& v) {
  return v.trusted && v.reason == TrustReason::StateFresh && e.state_source == kRtcSyncSource;
}

}  // namespace

RtcWriteVerdict may_write_rtc(const TrustEvidence& e, const TrustVerdict& v, int64_t max_age_ns) {
  RtcWriteVerdict w;
  w.reason = explain(v, e, max_age_ns);
  if (trusted_by_the_rtc_itself(e, v)) {
    w.reason = (v.kernel_unsynchronized ? "the kernel reports the clock unsynchronized, and " : "") +
               std::string("the clock was last set from the RTC itself, ") + human_duration(v.state_age_ns) +
               " ago: copying it back would gain nothing";
    return w;
  }
  w.allowed = v.trusted;
  return w;
}

std::string clock_needs_no_rtc(const TrustEvidence& e, const TrustVerdict& v, int64_t max_age_ns) {
  if (!v.trusted || trusted_by_the_rtc_itself(e, v)) return "";
  return explain(v, e, max_age_ns);
}

std::string rtc_behind_last_sync(const TrustEvidence& e, int64_t rtc_unix_s) {
  if (!e.state_known || e.state_source.empty()) return "";
  int64_t behind_ns = e.state_last_sync_ns - rtc_unix_s * kNsPerSecond;
  if (behind_ns <= kRecordFutureToleranceNs) return "";
  return "the RTC shows " + readable_utc(rtc_unix_s) + ", " + human_duration(behind_ns) +
         " before the last sync the sync-state file records (" +
         readable_utc(e.state_last_sync_ns / kNsPerSecond) + ", source " + e.state_source + "): it lost time";
}

Result<RtcDrift, TrimInputError> rtc_drift_from_rows(const std::vector<DriftRow>& rows) {
  if (rows.empty()) return fail(TrimInputError{0, "no samples: the file has only a header"});
  RtcDrift d;
  d.source = rows[0].source;
  if (starts_with(d.source, "ntp:") || starts_with(d.source, "camera:")) {
    return fail(TrimInputError{rows[0].line, "source '" + d.source +
                                                 "' is not an RTC: record the RTC with driftlog --source "
                                                 "rtc:/dev/rtc0 or ds3231:/dev/i2c-1"});
  }
  std::vector<double> elapsed;
  std::vector<double> offset;
  for (const DriftRow& r : rows) {
    if (r.source != d.source) {
      return fail(TrimInputError{
          r.line, "source changes from '" + d.source + "' to '" + r.source + "': one run per file"});
    }
    if (r.offset_s) {
      elapsed.push_back(r.elapsed_s);
      offset.push_back(*r.offset_s);
    } else {
      ++d.failed_samples;
    }
  }
  auto fit = fit_line(elapsed, offset);
  if (!fit) {
    return fail(TrimInputError{0, "cannot fit a drift to " + std::to_string(elapsed.size()) +
                                      " usable samples: " + describe(fit.error())});
  }
  d.fit = *fit;
  d.span_s = elapsed.back() - elapsed.front();
  return d;
}

AgingTrim plan_aging_trim(const RtcDrift& drift, int current_aging) {
  AgingTrim t;
  const LineFit& f = drift.fit;
  double stderr_ppm = f.slope_se * 1e6;
  // offset = RTC - system grows when the RTC gains: it runs fast, and a
  // positive aging change (more load capacitance) slows it.
  t.rtc_fast_ppm = f.slope * 1e6;
  t.current_aging = current_aging;
  double steps = std::round(t.rtc_fast_ppm / kPpmPerAgingStep);
  double proposed = static_cast<double>(current_aging) + steps;
  t.clamped = proposed < kAgingMin || proposed > kAgingMax;
  t.proposed_aging = static_cast<int>(std::fmin(std::fmax(proposed, kAgingMin), kAgingMax));
  t.change_steps = t.proposed_aging - current_aging;
  if (f.n < kTrimMinSamples) {
    t.imprecision = "only " + std::to_string(f.n) + " usable samples, at least " +
                    std::to_string(kTrimMinSamples) + " needed";
  } else if (drift.span_s < kTrimMinSpanS) {
    t.imprecision = "the run lasted " + human_duration(std::llround(drift.span_s * 1e9)) +
                    ", at least 1 h is needed (a day is better)";
  } else if (!(stderr_ppm <= kTrimMaxStderrPpm)) {
    t.imprecision = "the drift is known only to ±" + ppm_text(stderr_ppm) + ", one aging step is " +
                    ppm_text(kPpmPerAgingStep) + ": measure longer";
  } else {
    t.precise_enough = true;
  }
  return t;
}

std::string readable_utc(int64_t unix_s) {
  codec::CivilTime t = codec::civil_from_unix_seconds(unix_s);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d UTC", static_cast<int>(t.year), t.month,
                t.day, t.hour, t.minute, t.second);
  return buf;
}

}  // namespace lansync::core
