// Following the upstream servers; see upstream_follower.hpp.
#include "upstream_follower.hpp"

#include <fmt/core.h>

namespace lansync::sntpd {

void UpstreamFollower::reselect(const std::vector<core::UpstreamSource>& sources, int64_t now_ns) {
  selection_ = core::select_upstreams(sources, now_ns, {!synced(), rules_.min_sources});
}

std::optional<UpstreamAction> UpstreamFollower::update(const std::vector<core::UpstreamSource>& sources,
                                                       int64_t now_ns) {
  reselect(sources, now_ns);
  const core::UpstreamSelection& sel = selection_;
  if (!sel.ok) return std::nullopt;
  last_offset_ns_ = sel.offset_ns;
  if (!rules_.clock_control) {
    reference_ = sel.reference;
    return std::nullopt;
  }
  if (clock_failed_) return std::nullopt;
  const core::UpstreamSource& peer = sources[sel.system_peer];
  UpstreamAction a;
  a.discipline =
      core::plan_discipline(sel.offset_ns, !corrected_once_, rules_.step_threshold_ns, peer.poll_log2());
  a.reference = sel.reference;
  a.system_peer = sel.system_peer;
  a.distance_ns = sel.reference.root_delay_ns / 2 + sel.reference.root_dispersion_ns;
  a.jitter_ns = peer.jitter_ns();
  a.first = !corrected_once_;
  return a;
}

void UpstreamFollower::applied(const UpstreamAction& a, bool done, std::vector<core::UpstreamSource>& sources,
                               int64_t now_ns) {
  if (!done) {
    // A clock we cannot correct must not be served as if it followed upstream.
    clock_failed_ = true;
    reference_.reset();
    return;
  }
  reference_ = a.reference;
  if (a.discipline.kind == core::Discipline::Step) {
    // The samples were taken on the clock before the step: they move with it.
    for (core::UpstreamSource& s : sources) s.apply_step(a.discipline.offset_ns);
    reselect(sources, now_ns);  // still by the first sync's rules
    if (selection_.ok) reference_ = selection_.reference;
  }
  corrected_once_ = true;
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
