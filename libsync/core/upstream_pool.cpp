// Pool addresses that give way; see upstream_pool.hpp.
#include "core/upstream_pool.hpp"

#include <algorithm>

#include "core/upstream.hpp"

namespace lansync::core {

std::string describe(PoolVerdict v) {
  switch (v) {
    case PoolVerdict::Keep: return "in use";
    case PoolVerdict::Unreachable: return "unreachable for " + std::to_string(kReachPolls) + " polls";
    case PoolVerdict::Falseticker: return "a falseticker for an hour";
    case PoolVerdict::Denied: return "refused us (Kiss-o'-Death DENY or RSTR)";
  }
  return "";
}

bool outvoted(const UpstreamSelection& sel, const std::vector<UpstreamSource>& sources, size_t i,
              bool first_pending) {
  if (!sel.ok || i >= sources.size() || i >= sel.truechimer.size() || sel.truechimer[i]) return false;
  const UpstreamSource& s = sources[i];
  return !s.stopped() && s.best().has_value() && (!first_pending || s.agreed());
}

PoolVerdict judge_pool_address(const UpstreamSource& s, bool outvoted, int64_t now_ns, PoolWatch& w) {
  if (s.stopped()) return PoolVerdict::Denied;
  if (s.falseticker() || outvoted) {
    if (w.falseticker_since_ns < 0) w.falseticker_since_ns = now_ns;
    if (now_ns - w.falseticker_since_ns >= kFalsetickerReplaceNs) return PoolVerdict::Falseticker;
  } else {
    w.falseticker_since_ns = -1;
  }
  return s.silent() ? PoolVerdict::Unreachable : PoolVerdict::Keep;
}

PoolPlan plan_pool(const std::vector<PoolVerdict>& verdicts, const std::vector<std::string>& resolved,
                   const std::vector<std::string>& known, size_t max_sources) {
  PoolPlan plan;
  for (size_t j = 0; j < verdicts.size(); ++j) {
    if (verdicts[j] != PoolVerdict::Keep) plan.drop.push_back(j);
  }
  size_t room = verdicts.size() < max_sources ? max_sources - verdicts.size() : 0;
  size_t wanted = plan.drop.size() + room;
  std::vector<std::string> taken = known;
  for (size_t k = 0; k < resolved.size() && plan.add.size() < wanted; ++k) {
    if (std::find(taken.begin(), taken.end(), resolved[k]) != taken.end()) continue;
    taken.push_back(resolved[k]);  // a name that gives an address twice
    plan.add.push_back(k);
  }
  if (plan.drop.size() > plan.add.size()) plan.drop.resize(plan.add.size());  // no fresh one: kept
  return plan;
}

void remember_polled(std::vector<std::string>& polled, const std::string& address) {
  if (std::find(polled.begin(), polled.end(), address) != polled.end()) return;
  if (polled.size() == kPolledMemory) polled.erase(polled.begin());
  polled.push_back(address);
}

}  // namespace lansync::core
