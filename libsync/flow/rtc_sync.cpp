// The boot plan's steps; see rtc_sync.hpp.
#include "flow/rtc_sync.hpp"

#include "codec/timestamp.hpp"
#include "core/rtc.hpp"
#include "core/trust.hpp"
#include "flow/set_clock.hpp"
#include "flow/trust.hpp"
#include "proto/units.hpp"

namespace lansync::flow {
namespace {

using proto::kNsPerMs;
using proto::kNsPerSecond;
constexpr int kBoundaryAttempts = 5;

}  // namespace

os::OsResult<TickReading> read_rtc_at_tick(os::Rtc& rtc, os::Clock& clock) {
  TickReading t;
  int64_t start_real_ns = clock.now_ns();
  int64_t prev_before = start_real_ns;
  auto first = rtc.read_time();
  if (!first) return fail(first.error());
  t.reading = *first;
  if (!t.reading.has_time || !t.reading.valid) return t;
  // Bounded by count as well as by time, in case the clock is stepped meanwhile.
  constexpr int kMaxPolls = static_cast<int>(kTickTimeoutNs / kTickPollNs) + 100;
  for (int i = 0; i < kMaxPolls; ++i) {
    // A read over I2C takes about a millisecond itself; sleep only the rest.
    int64_t spent = clock.now_ns() - prev_before;
    if (spent < kTickPollNs) clock.sleep_ns(kTickPollNs - spent);
    int64_t before = clock.now_ns();
    if (before - start_real_ns > kTickTimeoutNs) break;
    auto r = rtc.read_time();
    if (!r) return fail(r.error());
    if (!r->has_time || !r->valid) {
      t.reading = *r;
      return t;
    }
    if (r->unix_s != t.reading.unix_s) {
      // The chip latches its time when a read starts: the tick came between
      // the start of the previous read and the start of this one.
      t.reading = *r;
      t.at_tick = true;
      t.tick_system_ns = prev_before + (before - prev_before) / 2;
      t.tick_uncertainty_ns = (before - prev_before + 1) / 2;
      return t;
    }
    prev_before = before;
  }
  t.reading.valid = false;
  t.reading.problem = "the RTC's seconds did not advance within 1.2 s: its oscillator is not running";
  return t;
}

SecondBoundary wait_for_second_boundary(os::Clock& clock, int64_t max_late_ns) {
  int64_t real_now_ns = clock.now_ns();
  for (int attempt = 0; attempt < kBoundaryAttempts; ++attempt) {
    int64_t target_s = codec::floor_div(real_now_ns, kNsPerSecond) + 1;
    int64_t target = target_s * kNsPerSecond;
    // Most of the way in one sleep, then the rest: a clock being slewed, or a
    // sleep that ends early, is corrected by the second look.
    for (int i = 0; i < 4 && real_now_ns < target; ++i) {
      int64_t rest = target - real_now_ns;
      clock.sleep_ns(rest > 20 * kNsPerMs ? rest - 10 * kNsPerMs : rest);
      real_now_ns = clock.now_ns();
    }
    if (real_now_ns >= target && real_now_ns - target <= max_late_ns) return {target_s, real_now_ns - target};
  }
  // Too late every time (or the clock went back): the second we are in.
  int64_t second = codec::floor_div(real_now_ns, kNsPerSecond);
  return {second, real_now_ns - second * kNsPerSecond};
}

HcToSysReport rtc_to_system(os::Rtc& rtc, os::Clock& clock, const HcToSysOptions& options) {
  HcToSysReport rep;
  auto tick = read_rtc_at_tick(rtc, clock);
  if (!tick) {
    rep.outcome = RtcOutcome::RtcFailed;
    rep.message = tick.error().message;
    return rep;
  }
  rep.tick = *tick;
  const os::RtcReading& r = rep.tick.reading;
  if (!r.valid) {
    rep.outcome = RtcOutcome::Refused;
    rep.message = r.problem;
    return rep;
  }
  if (r.unix_s < options.earliest_unix_s) {
    rep.outcome = RtcOutcome::Refused;
    rep.message = "the RTC shows " + core::readable_utc(r.unix_s) + ", before " +
                  core::readable_utc(options.earliest_unix_s) +
                  ", the earliest time this build accepts: it was reset";
    return rep;
  }
  rep.offset_ns = r.unix_s * kNsPerSecond - rep.tick.tick_system_ns;
  core::TrustEvidence e = gather_trust_evidence(clock, options.state_path);
  core::TrustVerdict v =
      core::assess_trust(e, core::TrustPolicy::Auto, clock.now_ns(), core::kDefaultMaxAgeNs);
  rep.left_alone = core::clock_needs_no_rtc(e, v, core::kDefaultMaxAgeNs);
  if (!rep.left_alone.empty()) {
    rep.outcome = RtcOutcome::Done;
    return rep;
  }
  if (std::string lost = core::rtc_behind_last_sync(e, r.unix_s); !lost.empty()) {
    rep.outcome = RtcOutcome::Refused;
    rep.message = lost;
    return rep;
  }
  ClockCorrection c;
  c.offset_ns = rep.offset_ns;
  c.step_threshold_ns = 0;  // like hwclock: set, never slew
  c.allow_slew = false;
  c.source = core::kRtcSyncSource;
  auto done = correct_clock(clock, c, options.state_path);
  if (!done) {
    rep.outcome = RtcOutcome::ClockFailed;
    rep.message = done.error().message;
    return rep;
  }
  rep.action = *done;
  rep.outcome = RtcOutcome::Done;
  return rep;
}

SysToHcReport system_to_rtc(os::Rtc& rtc, os::Clock& clock, const SysToHcOptions& options) {
  SysToHcReport rep;
  core::TrustEvidence e = gather_trust_evidence(clock, options.state_path);
  core::TrustVerdict v = core::assess_trust(e, core::TrustPolicy::Auto, clock.now_ns(), options.max_age_ns);
  rep.verdict = core::may_write_rtc(e, v, options.max_age_ns);
  if (!rep.verdict.allowed && !options.force) {
    rep.outcome = RtcOutcome::Refused;
    rep.message = rep.verdict.reason;
    return rep;
  }
  // Read first: a missing RTC fails before the wait, and the DS3231 back end
  // learns which hours mode to keep.
  auto before = rtc.read_time();
  if (!before) {
    rep.outcome = RtcOutcome::RtcFailed;
    rep.message = before.error().message;
    return rep;
  }
  rep.was_valid = before->valid;
  rep.written = wait_for_second_boundary(clock, options.max_late_ns);
  if (auto st = rtc.set_time(rep.written.second_unix_s); !st) {
    rep.outcome = RtcOutcome::RtcFailed;
    rep.message = st.error().message;
    return rep;
  }
  rep.outcome = RtcOutcome::Done;
  return rep;
}

TrimReport trim_aging(os::Rtc& rtc, const core::RtcDrift& drift, bool apply) {
  TrimReport rep;
  rep.plan = core::plan_aging_trim(drift, 0);
  if (!rep.plan.precise_enough) {
    rep.outcome = RtcOutcome::Refused;
    rep.message = rep.plan.imprecision;
    return rep;
  }
  auto details = rtc.read_details();
  if (!details) {
    rep.message = details.error().message;
    return rep;
  }
  rep.plan = core::plan_aging_trim(drift, details->aging);
  if (apply && rep.plan.change_steps != 0) {
    if (auto st = rtc.write_aging(static_cast<int8_t>(rep.plan.proposed_aging)); !st) {
      rep.message = st.error().message;
      return rep;
    }
    rep.written = true;
  }
  rep.outcome = RtcOutcome::Done;
  return rep;
}

}  // namespace lansync::flow
