// A source's line of the status report, the parts servers and receivers share; see upstream_status.hpp.
#include "upstream/upstream_status.hpp"

#include <fmt/core.h>

#include "upstream/upstream_follower.hpp"

namespace lansync::sntpd {

bool describe_source(const core::UpstreamSource& s, int64_t now_ns, int64_t reach_change_ns,
                     UpstreamSnapshot& u) {
  u.reach = s.reach();
  u.reachable = s.reachable();
  u.reachable_since_ns = reach_change_ns;
  u.poll_s = int64_t{1} << s.poll_log2();
  auto b = s.best();
  if (!b) return false;
  u.offset_ns = b->sample.offset_ns;
  u.delay_ns = b->sample.delay_ns;
  u.stratum = b->stratum;
  u.last_sample_age_ns = now_ns - b->time_ns;
  return true;
}

std::string source_state(const std::vector<core::UpstreamSource>& sources, size_t i,
                         const UpstreamFollower& follower, bool has_sample, const std::string& no_sample) {
  const core::UpstreamSource& s = sources[i];
  const core::UpstreamSelection& sel = follower.selection();
  if (s.falseticker()) return "falseticker (beyond --max-change)";
  if (!has_sample) return no_sample;
  if (s.noselect()) return "names its pulse's second (not selected while the pulse answers)";
  if (!follower.synced() && !s.agreed()) {
    return fmt::format("{} of {} consistent samples", s.samples(), core::kAgreementSamples);
  }
  if (sel.problem == core::SelectProblem::BelowMinSources) return "waiting for --min-sources";
  bool chosen = sel.ok && i < sel.truechimer.size();
  if (chosen && sel.system_peer == i) return "sys_peer";
  if (chosen && sel.truechimer[i]) return "truechimer";
  return follower.synced() ? "falseticker" : "waiting for a majority";
}

}  // namespace lansync::sntpd
