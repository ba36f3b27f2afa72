// sntpd's reference keeper; see reference_keeper.hpp.
#include "reference_keeper.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/camera_reference.hpp"
#include "core/exchange.hpp"
#include "core/trust.hpp"
#include "os/camera_state.hpp"
#include "os/clock.hpp"
#include "os/log.hpp"
#include "os/notify.hpp"
#include "os/set_clock.hpp"
#include "os/sync_state.hpp"
#include "os/time_zone.hpp"
#include "proto/units.hpp"
#include "stamping.hpp"

namespace lansync::sntpd {
namespace {

using proto::kNsPerSecond;
constexpr int64_t kTickNs = kNsPerSecond;  // the reference is re-evaluated every second

}  // namespace

ReferenceKeeper::ReferenceKeeper(os::Clock& clock, core::Server& serve, UpstreamSet& upstreams,
                                 ReferenceConfig config)
    : clock_(clock),
      serve_(serve),
      upstreams_(upstreams),
      config_(std::move(config)),
      precision_log2_(proto::precision_log2_from_ns(os::measure_resolution_ns(clock))),
      start_ns_(clock.now_ns()) {}

void ReferenceKeeper::widen_precision(os::RxStamping receive) {
  std::lock_guard<std::mutex> lock(mutex_);
  precision_log2_ = served_precision_log2(precision_log2_, receive);
}

void ReferenceKeeper::attach(EventLoop& loop) {
  loop.every(kTickNs, os::monotonic_ns() + kTickNs, [this] { refresh(); });
}

core::ReferenceEvidence ReferenceKeeper::gather_evidence(std::string* state_source) {
  core::ReferenceEvidence e;
  e.precision_log2 = precision_log2_;
  e.upstream = upstreams_.reference();
  // The kernel's word counts only when someone else disciplines the clock.
  if (!upstreams_.controls_clock()) {
    if (auto k = clock_.sync_status(); k && k->synchronized)
      e.kernel = core::KernelReference{k->max_error_ns};
  }
  if (auto st = os::read_sync_state(config_.state_path); st) {
    core::StateReference r;
    r.last_sync_ns = std::llround(st->last_sync_unix * 1e9);
    r.source = st->source;
    r.uncertainty_ns = st->uncertainty_s ? std::llround(*st->uncertainty_s * 1e9) : 0;
    if (st->stratum) r.stratum = static_cast<uint8_t>(*st->stratum);
    r.boot = os::boot_of(*st);
    *state_source = st->source;
    e.state = r;
  } else if (st.error().code != std::errc::no_such_file_or_directory) {
    e.state_problem = st.error().message;  // e.g. a malformed boot_id: said, not served
  }
  if (auto b = clock_.boot_stamp(); b) e.this_boot = *b;
  if (config_.local_stratum > 0) e.local_stratum = static_cast<uint8_t>(config_.local_stratum);
  return e;
}

void ReferenceKeeper::refresh() {
  std::lock_guard<std::mutex> lock(mutex_);
  refresh_locked();
}

void ReferenceKeeper::refresh_locked() {
  std::string state_source;
  core::ReferenceEvidence e = gather_evidence(&state_source);
  core::ReferenceChoice choice = core::choose_reference(e, clock_.now_ns(), start_ns_, config_.max_age_ns);
  if (take_camera_locked(choice, e, state_source)) {
    e = gather_evidence(&state_source);
    choice = core::choose_reference(e, clock_.now_ns(), start_ns_, config_.max_age_ns);
  }
  log_change(choice);
  if (reliability_) reliability_->observe(choice);
  reference_ = choice;
  reference_source_ =
      choice.kind == core::ReferenceKind::SyncState ? state_source : core::describe(choice.kind);
  have_reference_ = true;
  serve_.set_reference(choice.state);
  notify_status_locked();
}

void ReferenceKeeper::log_change(const core::ReferenceChoice& choice) {
  bool changed = !have_reference_ || choice.kind != reference_.kind ||
                 choice.state.refid != reference_.state.refid ||
                 choice.state.stratum != reference_.state.stratum;
  if (!changed) return;
  if (choice.state.synchronized) {
    os::log::info("reference: {}; serving stratum {}", choice.detail, choice.state.stratum);
  } else if (!have_reference_) {  // at start, the expected state until a reference comes
    os::log::info("reference: {}; answering unsynchronized (LI=3) until one is found", choice.detail);
  } else {
    os::log::warn("reference: {}; answering unsynchronized (LI=3)", choice.detail);
  }
}

void ReferenceKeeper::notify_ready() {
  std::lock_guard<std::mutex> lock(mutex_);
  notify_status_locked("READY=1\n");
}

void ReferenceKeeper::notify_status_locked(std::string_view prefix) {
  const proto::ReferenceState& r = reference_.state;
  std::string line =
      r.synchronized
          ? fmt::format("serving stratum {} from {}, {} min old", r.stratum, reference_source_,
                        std::max<int64_t>(0, clock_.now_ns() - r.reference_time_ns) / (60 * kNsPerSecond))
          : "unsynchronized: " + reference_.detail;
  if (line == systemd_status_ && prefix.empty()) return;
  systemd_status_ = line;
  if (auto st = os::notify_systemd(fmt::format("{}STATUS={}", prefix, line)); !st) {
    os::log::debug("{}", st.error().message);
  }
}

core::PhoneVerdict ReferenceKeeper::set_from_phone(const proto::PhoneExchange& x, int64_t issued_mono_ns,
                                                   const std::optional<std::string>& time_zone,
                                                   const std::optional<core::PhoneHolder>& holder) {
  std::lock_guard<std::mutex> lock(mutex_);
  core::PhoneSetContext c;
  c.exchange = x;
  c.holder = holder;
  if (time_zone) {
    if (auto st = os::check_known_zone(*time_zone); !st) c.time_zone_problem = st.error().message;
  }
  std::string state_source;
  core::ReferenceEvidence e = gather_evidence(&state_source);
  int64_t now = clock_.now_ns();
  c.clock_moved_ns = (now - x.t3_ns) - (os::monotonic_ns() - issued_mono_ns);
  c.reference = core::choose_reference(e, now, start_ns_, config_.max_age_ns);
  if (c.reference.kind == core::ReferenceKind::SyncState) c.reference_source = state_source;
  c.build_time_ns = int64_t{LANSYNC_BUILD_UNIX} * kNsPerSecond;
  if (e.state) c.last_record_ns = e.state->last_sync_ns;
  core::PhoneVerdict v = core::judge_phone_set(c);
  if (v.outcome != core::PhoneOutcome::Refused) apply_phone_locked(v, time_zone);
  if (v.outcome != core::PhoneOutcome::Refused && reliability_) reliability_->phone_synced();
  return v;
}

os::Status ReferenceKeeper::correct_or_verify_locked(const os::ClockCorrection& cc, bool verify) {
  if (verify) return os::record_verification(clock_, cc, config_.state_path);
  std::optional<os::OsResult<core::Correction>> stepped;
  // Not while an upstream exchange is being read: its timestamps would straddle the step.
  upstreams_.hold([&] { stepped = os::correct_clock(clock_, cc, config_.state_path); });
  if (!*stepped) return lansync::fail(stepped->error());
  return os::ok();
}

void ReferenceKeeper::apply_phone_locked(core::PhoneVerdict& v, const std::optional<std::string>& time_zone) {
  os::ClockCorrection cc;
  cc.offset_ns = v.measurement.correction_ns;
  cc.step_threshold_ns = core::kPhoneSetMinOffsetNs;  // beyond it, as judged: a step
  cc.allow_slew = false;
  cc.source = core::kPhoneSyncSource;
  cc.uncertainty_ns = v.measurement.uncertainty_ns;
  cc.time_zone = time_zone;
  os::Status done = correct_or_verify_locked(cc, v.outcome == core::PhoneOutcome::Verified);
  if (!done) {
    v.outcome = core::PhoneOutcome::Refused;
    v.refusal = core::PhoneRefusal::ClockFailed;
    v.reason = done.error().message;
    return;
  }
  refresh_locked();
}

bool ReferenceKeeper::take_camera_locked(const core::ReferenceChoice& choice,
                                         const core::ReferenceEvidence& e, const std::string& state_source) {
  if (config_.camera_state_path.empty()) return false;
  auto cs = os::read_camera_state(config_.camera_state_path);
  if (!cs || !cs->reading || cs->reading->measured_unix_ns == camera_seen_ns_) return false;
  camera_seen_ns_ = cs->reading->measured_unix_ns;
  core::CameraTakeContext c;
  c.reading = *cs->reading;
  c.reference = choice;
  c.reference_source = state_source;
  c.record_ns = e.state ? e.state->last_sync_ns : 0;
  c.real_now_ns = os::read_clock_or_exit(CLOCK_REALTIME);
  c.served_minus_real_ns = clock_.now_ns() - c.real_now_ns;
  c.this_boot_id = e.this_boot.boot_id;
  c.max_age_ns = config_.max_age_ns;
  core::CameraTakeVerdict v = core::judge_camera_reading(c);
  if (v.take == core::CameraTake::Ignore) {
    os::log::info("reference: the camera's clock ({}) not taken: {}", cs->camera, v.why);
    return false;
  }
  os::ClockCorrection cc;
  cc.offset_ns = v.correction_ns;
  cc.step_threshold_ns = c.reading.bound_ns;  // beyond it, as judged: a step
  cc.allow_slew = false;
  cc.source = core::kCameraSyncSource;
  cc.uncertainty_ns = c.reading.bound_ns;
  os::Status done = correct_or_verify_locked(cc, v.take == core::CameraTake::Verify);
  if (!done) {
    os::log::warn("reference: the camera's clock ({}): {}", cs->camera, done.error().message);
    return false;
  }
  os::log::info("reference: the camera's clock ({}), a last resort: {}", cs->camera, v.why);
  return true;
}

ReferenceSnapshot ReferenceKeeper::snapshot() {
  std::lock_guard<std::mutex> lock(mutex_);
  ReferenceSnapshot s;
  s.now_ns = clock_.now_ns();
  const proto::ReferenceState& r = reference_.state;
  s.synchronized = r.synchronized;
  s.kind = core::describe(reference_.kind);
  if (reference_.kind == core::ReferenceKind::SyncState) s.state_source = reference_source_;
  s.detail = reference_.detail;
  s.root_delay_ns = r.root_delay_ns;
  if (r.synchronized) {
    s.stratum = r.stratum;
    s.refid = core::refid_text(r.refid, r.stratum);
    s.leap = 0;
    s.root_dispersion_ns = proto::root_dispersion_at(r, s.now_ns);
    s.reference_time_ns = r.reference_time_ns;
    s.age_ns = s.now_ns - r.reference_time_ns;
  }
  s.precision_log2 = precision_log2_;
  s.reliable_until_ns = core::reliable_until_ns(reference_, config_.max_age_ns);
  return s;
}

proto::ReferenceState ReferenceKeeper::state() {
  std::lock_guard<std::mutex> lock(mutex_);
  return reference_.state;
}

}  // namespace lansync::sntpd
