// sntpd's reference keeper; see reference_keeper.hpp.
#include "reference/reference_keeper.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <optional>

#include "core/exchange.hpp"
#include "core/trust.hpp"
#include "flow/set_clock.hpp"
#include "os/clock.hpp"
#include "os/clock_zone.hpp"
#include "os/ipc_notify.hpp"
#include "os/log.hpp"
#include "proto/units.hpp"
#include "reference/references.hpp"
#include "stamping.hpp"

namespace lansync::sntpd {
namespace {

using proto::kNsPerSecond;
// The reference is chosen again every second, for what is read rather than told (the kernel's word,
// the sync-state file, the camera's reading); while the upstream servers are followed, nothing
// ranked below them can change the choice, and it is chosen again when it would stop counting and
// at least every 64 s (the systemd status line's age).
constexpr int64_t kTickNs = kNsPerSecond;
constexpr int64_t kFollowedTickNs = 64 * kNsPerSecond;

// When to choose again, in monotonic ns from now_mono_ns, the reference being choice at now_ns
// (served clock).  The served clock may run up to 1/12 fast while a slew lasts: the wait until the
// choice would stop counting is cut by that much, and the next choice waits again.
int64_t next_refresh_mono_ns(const core::ReferenceChoice& choice, int64_t max_age_ns, int64_t now_ns,
                             int64_t now_mono_ns) {
  if (choice.role != core::ReferenceRole::Measured) return now_mono_ns + kTickNs;
  int64_t wait_ns = kFollowedTickNs;
  if (auto until = core::reliable_until_ns(choice, max_age_ns)) {
    int64_t left = *until - now_ns;
    wait_ns = std::clamp<int64_t>(left / 12 * 11, kTickNs, kFollowedTickNs);
  }
  return now_mono_ns + wait_ns;
}

}  // namespace

ReferenceKeeper::ReferenceKeeper(os::Clock& clock, core::Server& serve, UpstreamSet& upstreams,
                                 const ReferenceConfig& config)
    : clock_(clock),
      serve_(serve),
      upstreams_(upstreams),
      max_age_ns_(config.max_age_ns),
      references_(make_references(
          {clock, upstreams, config.state_path, config.max_age_ns, config.local_stratum, clock.now_ns()})),
      writer_(clock, upstreams, config.state_path),
      precision_log2_(proto::precision_log2_from_ns(os::measure_resolution_ns(clock))) {
  if (!config.camera_state_path.empty()) {
    camera_ = std::make_unique<CameraFallback>(clock, writer_, config.camera_state_path, config.max_age_ns);
  }
}

void ReferenceKeeper::widen_precision(os::RxStamping receive) {
  std::lock_guard<std::mutex> lock(mutex_);
  precision_log2_ = served_precision_log2(precision_log2_, receive);
}

void ReferenceKeeper::attach(EventLoop& loop) {
  for (auto& r : references_) r->attach(loop, [this] { refresh(); });
  loop.when(
      [this] {
        std::lock_guard<std::mutex> lock(mutex_);
        return next_refresh_mono_ns_;
      },
      [this] { refresh(); });
}

void ReferenceKeeper::describe(StatusSnapshot& s) {
  for (auto& r : references_) r->describe(s);
}

core::ReferenceChoice ReferenceKeeper::choose_locked(int64_t now_ns, int64_t* record_ns) {
  std::vector<core::ReferenceCandidate> candidates;
  *record_ns = 0;
  for (auto& r : references_) {
    auto c = r->candidate(now_ns, precision_log2_);
    if (!c) continue;
    if (c->role == core::ReferenceRole::Record && *record_ns == 0) *record_ns = c->state.reference_time_ns;
    candidates.push_back(std::move(*c));
  }
  return core::choose_reference(candidates, now_ns, max_age_ns_, precision_log2_);
}

void ReferenceKeeper::refresh() {
  std::lock_guard<std::mutex> lock(mutex_);
  refresh_locked();
}

void ReferenceKeeper::refresh_locked() {
  int64_t record_ns = 0;
  int64_t now_ns = clock_.now_ns();
  core::ReferenceChoice choice = choose_locked(now_ns, &record_ns);
  if (camera_ && camera_->offer(choice, record_ns)) choice = choose_locked(clock_.now_ns(), &record_ns);
  log_change(choice);
  if (reliability_) reliability_->observe(choice);
  reference_ = choice;
  have_reference_ = true;
  serve_.set_reference(choice.state);
  upstreams_.set_clock_trusted(choice.state.synchronized);
  notify_status_locked();
  next_refresh_mono_ns_ = next_refresh_mono_ns(choice, max_age_ns_, now_ns, os::monotonic_ns());
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
          ? fmt::format("serving stratum {} from {}, {} min old", r.stratum, reference_.source,
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
  int64_t real_now_ns = clock_.now_ns();
  c.clock_moved_ns = (real_now_ns - x.t3_ns) - (os::monotonic_ns() - issued_mono_ns);
  c.reference = choose_locked(real_now_ns, &c.last_record_ns);
  c.build_time_ns = int64_t{LANSYNC_BUILD_UNIX} * kNsPerSecond;
  core::PhoneVerdict v = core::judge_phone_set(c);
  if (v.outcome != core::PhoneOutcome::Refused) apply_phone_locked(v, time_zone);
  if (v.outcome != core::PhoneOutcome::Refused && reliability_) reliability_->phone_synced();
  return v;
}

void ReferenceKeeper::apply_phone_locked(core::PhoneVerdict& v, const std::optional<std::string>& time_zone) {
  flow::ClockCorrection cc;
  cc.offset_ns = v.measurement.correction_ns;
  cc.step_threshold_ns = core::kPhoneSetMinOffsetNs;  // beyond it, as judged: a step
  cc.allow_slew = false;
  cc.source = core::kPhoneSyncSource;
  cc.uncertainty_ns = v.measurement.uncertainty_ns;
  cc.time_zone = time_zone;
  os::Status done = writer_.correct_or_verify(cc, v.outcome == core::PhoneOutcome::Verified);
  if (!done) {
    v.outcome = core::PhoneOutcome::Refused;
    v.refusal = core::PhoneRefusal::ClockFailed;
    v.reason = done.error().message;
    return;
  }
  refresh_locked();
}

ReferenceSnapshot ReferenceKeeper::snapshot() {
  std::lock_guard<std::mutex> lock(mutex_);
  refresh_locked();  // its detail says ages: as of now, not of the last choice
  ReferenceSnapshot s;
  s.now_ns = clock_.now_ns();
  const proto::ReferenceState& r = reference_.state;
  s.synchronized = r.synchronized;
  s.kind = reference_.kind;
  if (reference_.role == core::ReferenceRole::Record) s.state_source = reference_.source;
  s.detail = reference_.detail;
  // Unsynchronized: the root delay and dispersion the replies carry, which promise nothing.
  s.root_delay_ns = r.synchronized ? r.root_delay_ns : proto::kUnsynchronizedRootNs;
  s.root_dispersion_ns = proto::kUnsynchronizedRootNs;
  if (r.synchronized) {
    s.stratum = r.stratum;
    s.refid = core::refid_text(r.refid, r.stratum);
    s.leap = 0;
    s.root_dispersion_ns = proto::root_dispersion_at(r, s.now_ns);
    s.reference_time_ns = r.reference_time_ns;
    s.age_ns = s.now_ns - r.reference_time_ns;
  }
  s.precision_log2 = precision_log2_;
  s.reliable_until_ns = core::reliable_until_ns(reference_, max_age_ns_);
  return s;
}

proto::ReferenceState ReferenceKeeper::state() {
  std::lock_guard<std::mutex> lock(mutex_);
  return reference_.state;
}

}  // namespace lansync::sntpd
