// Following the upstream servers; see upstream_follower.hpp.
#include "upstream/upstream_follower.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "os/log.hpp"

namespace lansync::sntpd {

void UpstreamFollower::reselect(const std::vector<core::UpstreamSource>& sources, int64_t now_ns,
                                size_t updated) {
  selection_ = core::select_upstreams(sources, now_ns, {!synced(), rules_.min_sources});
  peer_choice_.choose(selection_, sources, now_ns, updated);
}

std::optional<UpstreamAction> UpstreamFollower::update(const std::vector<core::UpstreamSource>& sources,
                                                       size_t from, int64_t now_ns, int64_t now_mono_ns) {
  reselect(sources, now_ns, from);
  const core::UpstreamSelection& sel = selection_;
  if (!sel.ok) return std::nullopt;
  last_offset_ns_ = sel.offset_ns;
  if (!rules_.clock_control || (corrected_once_ && !clock_failed_ && sel.system_peer != from)) {
    reference_ = with_slew(sel.reference, now_mono_ns);
    return std::nullopt;
  }
  if (clock_failed_) return std::nullopt;
  const core::UpstreamSource& peer = sources[sel.system_peer];
  UpstreamAction a;
  a.discipline.offset_ns = sel.offset_ns;
  if (!corrected_once_ && std::llabs(sel.offset_ns) > rules_.step_threshold_ns) {
    a.discipline.kind = core::Discipline::Step;
  } else {
    // The truechimers' lines give the frequency error, as their offsets give the offset.
    const std::optional<core::SourceEstimate>& e = peer.estimate();
    std::optional<core::CombinedEstimate> f =
        core::combine_truechimers(sources, sel.truechimer, sel.system_peer, now_ns);
    double freq = f ? f->freq_ppm : 0;
    double skew = f ? f->skew_ppm : 1e9;  // none yet: the frequency is left alone
    int64_t offset_sd = f && e ? f->offset_sd_ns : peer.jitter_ns();
    a.discipline.kind = core::Discipline::Slew;
    a.discipline.clock = loop_.plan(now_mono_ns, sel.offset_ns, offset_sd, freq, skew);
    // chronyd's tracking log, at debug level (-v).
    os::log::debug(
        "update: offset {:+.9f} s (sd {:.9f}), frequency error {:+.4f} ppm (skew {:.4f}), {} samples, "
        "poll {}; frequency {:+.4f} ppm, slewing {:+.9f} s",
        static_cast<double>(sel.offset_ns) / 1e9, static_cast<double>(offset_sd) / 1e9, freq, skew,
        e ? e->samples : 0, peer.poll_log2(), a.discipline.clock.frequency_ppm,
        static_cast<double>(loop_.remaining_ns(now_mono_ns) + sel.offset_ns) / 1e9);
  }
  a.reference = with_slew(sel.reference, now_mono_ns);
  measure(peer, now_mono_ns, a);
  a.system_peer = sel.system_peer;
  a.distance_ns = a.reference.root_distance_ns();
  a.jitter_ns = peer.jitter_ns();
  a.first = !corrected_once_;
  return a;
}

void UpstreamFollower::measure(const core::UpstreamSource& peer, int64_t now_mono_ns,
                               UpstreamAction& a) const {
  const core::UpstreamSample& s = peer.newest();
  const std::optional<core::SourceEstimate>& e = peer.estimate();
  a.measured_offset_ns = s.sample.offset_ns + loop_.remaining_ns(now_mono_ns);
  // The error the register's filter gives it (its delay weighed against the others').
  a.measured_error_ns = std::max<int64_t>(1, e ? e->newest_sd_ns : peer.jitter_ns());
}

core::UpstreamReference UpstreamFollower::with_slew(core::UpstreamReference r, int64_t now_mono_ns) const {
  r.root_dispersion_ns += std::llabs(loop_.remaining_ns(now_mono_ns));
  return r;
}

void UpstreamFollower::start_from(double frequency_ppm) {
  if (corrected_once_) return;
  // A frequency restored from the drift file is known to a few ppm (a crystal
  // warms and cools); one at the kernel's limit is not known at all.
  bool plausible = std::fabs(frequency_ppm) < 0.99 * 500;
  loop_ = core::ClockLoop(frequency_ppm, frequency_ppm != 0 && plausible ? 10.0 : 1e6);
}

UpstreamAction UpstreamFollower::end_slew(int64_t now_mono_ns) const {
  UpstreamAction a;
  a.discipline.kind = core::Discipline::Slew;
  a.discipline.clock = loop_.end_slew(now_mono_ns);
  if (reference_) a.reference = *reference_;
  a.system_peer = selection_.system_peer;
  a.distance_ns = a.reference.root_distance_ns();
  return a;
}

std::optional<core::SampleShift> UpstreamFollower::applied(const UpstreamAction& a, bool done,
                                                           std::vector<core::UpstreamSource>& sources,
                                                           int64_t now_ns, int64_t now_mono_ns) {
  if (!done) {
    // A clock we cannot correct must not be served as if it followed upstream.
    clock_failed_ = true;
    reference_.reset();
    return std::nullopt;
  }
  const core::Discipline& d = a.discipline;
  if (d.kind == core::Discipline::Slew && !d.clock.is_update) {
    loop_.commit(now_mono_ns, d.clock);  // the end of a slew: no new estimate
    return std::nullopt;
  }
  reference_ = a.reference;
  // A step: the samples were taken on the clock before it, and move with it.  A slew is taken as
  // done (it goes on): the samples describe the clock as corrected.
  core::SampleShift shift = d.kind == core::Discipline::Step
                                ? core::SampleShift{0, 0, d.offset_ns}
                                : core::SampleShift{now_ns, d.clock.dfreq_ppm, d.clock.doffset_ns};
  for (core::UpstreamSource& s : sources) s.apply_correction(shift);
  if (d.kind == core::Discipline::Step) {
    reselect(sources, now_ns);  // still by the first sync's rules
    if (selection_.ok) reference_ = selection_.reference;
  } else {
    loop_.commit(now_mono_ns, d.clock);
  }
  corrected_once_ = true;
  return shift;
}

SelectionSnapshot UpstreamFollower::snapshot() const {
  const core::UpstreamSelection& sel = selection_;
  SelectionSnapshot s;
  s.reachable = static_cast<int64_t>(sel.reachable);
  s.agreeing = static_cast<int64_t>(sel.truechimers);
  s.min_sources = static_cast<int64_t>(rules_.min_sources);
  switch (sel.problem) {
    case core::SelectProblem::None: break;
    case core::SelectProblem::NoneReachable:
      s.problem =
          fmt::format("no server reachable (none answered any of its last {} polls)", core::kReachPolls);
      break;
    case core::SelectProblem::NoCandidates:
      s.problem =
          synced() ? "no usable samples from the reachable servers"
                   : fmt::format("waiting for {} consistent samples from a server", core::kAgreementSamples);
      break;
    case core::SelectProblem::NoMajority:
      s.problem =
          sel.truechimers == 0
              ? fmt::format("no majority: the {} servers compared disagree", sel.candidates)
              : fmt::format("no majority: {} of {} reachable servers agree", sel.truechimers, sel.reachable);
      break;
    case core::SelectProblem::BelowMinSources:
      s.problem =
          fmt::format("{} reachable server{} agree{}, fewer than --min-sources {}", sel.truechimers,
                      sel.truechimers == 1 ? "" : "s", sel.truechimers == 1 ? "s" : "", rules_.min_sources);
      break;
  }
  return s;
}

}  // namespace lansync::sntpd
