// Intersection algorithm; see select.hpp.
#include "core/select.hpp"

#include <algorithm>
#include <array>

namespace lansync::core {
namespace {

// An interval endpoint; type -1 = lower end, +1 = upper end.
struct Edge {
  int64_t value;
  int type;
};

// Marzullo's intersection on the sorted edges of count intervals: allows ever
// more falsetickers until a majority of the intervals overlaps; that overlap in
// sel.low_ns and sel.high_ns, false if there is none.  RFC 5905 §11.2.1 also
// wants the survivors' midpoints inside the overlap; chronyd does not, and
// neither do we: a source good to 0.2 s (a GPS receiver's own time) beside one
// good to a microsecond (its pulse) could then never agree with it.
bool intersect(const Edge* begin, const Edge* end, int count, Selection& sel) {
  for (int allow = 0; 2 * allow < count; ++allow) {
    int chime = 0;
    bool have_low = false;
    bool have_high = false;
    for (const Edge* e = begin; e != end; ++e) {
      chime -= e->type;
      if (chime >= count - allow) {
        sel.low_ns = e->value;
        have_low = true;
        break;
      }
    }
    chime = 0;
    for (const Edge* e = end; e != begin;) {
      --e;
      chime += e->type;
      if (chime >= count - allow) {
        sel.high_ns = e->value;
        have_high = true;
        break;
      }
    }
    if (have_low && have_high && sel.low_ns <= sel.high_ns) return true;
  }
  return false;
}

// Candidate c's correctness interval's half-width.
int64_t half_width(const Candidate& c) { return std::max(c.root_distance_ns, kMinSelectionDistanceNs); }

}  // namespace

int64_t combine_limit_ns(int64_t best_distance_ns, bool reference_clock) {
  int64_t d = reference_clock
                  ? (best_distance_ns > INT64_MAX - kCombineMarginNs ? INT64_MAX
                                                                     : best_distance_ns + kCombineMarginNs)
                  : std::max(best_distance_ns, kMinSelectionDistanceNs);
  return d > INT64_MAX / kCombineLimit ? INT64_MAX : d * kCombineLimit;
}

Selection select_sources(const Candidate* candidates, size_t n, bool* truechimer) {
  Selection sel;
  n = std::min(n, kMaxSources);
  for (size_t i = 0; i < n; ++i) truechimer[i] = false;
  if (n == 0) return sel;

  std::array<Edge, 2 * kMaxSources> edges{};
  for (size_t i = 0; i < n; ++i) {
    edges[2 * i] = {candidates[i].offset_ns - half_width(candidates[i]), -1};
    edges[2 * i + 1] = {candidates[i].offset_ns + half_width(candidates[i]), +1};
  }
  std::sort(edges.begin(), edges.begin() + 2 * n, [](const Edge& a, const Edge& b) {
    return a.value != b.value ? a.value < b.value : a.type < b.type;
  });

  sel.ok = intersect(edges.data(), edges.data() + 2 * n, static_cast<int>(n), sel);
  if (!sel.ok) return sel;

  bool best_reference_clock = false;
  for (size_t i = 0; i < n; ++i) {
    const Candidate& c = candidates[i];
    // A truechimer's interval holds part of the majority's overlap (chronyd's rule).
    if (c.offset_ns + half_width(c) < sel.low_ns || c.offset_ns - half_width(c) > sel.high_ns) continue;
    truechimer[i] = true;
    if (sel.truechimers++ == 0 || c.root_distance_ns < sel.root_distance_ns) {
      sel.root_distance_ns = c.root_distance_ns;
      best_reference_clock = c.reference_clock;
    }
  }
  // Combine the survivors near the best, weighting each by the inverse of its root distance
  // (floored at 1 µs, so that a zero distance cannot take all the weight).
  int64_t limit = combine_limit_ns(sel.root_distance_ns, best_reference_clock);
  double weight_sum = 0;
  double weighted = 0;
  for (size_t i = 0; i < n; ++i) {
    const Candidate& c = candidates[i];
    if (!truechimer[i] || c.root_distance_ns > limit) continue;
    double w = 1.0 / static_cast<double>(std::max<int64_t>(c.root_distance_ns, 1000));
    weight_sum += w;
    // Offsets relative to low_ns keep the doubles small, so no precision is lost.
    weighted += w * static_cast<double>(c.offset_ns - sel.low_ns);
  }
  sel.offset_ns = sel.low_ns + static_cast<int64_t>(weighted / weight_sum);
  return sel;
}

}  // namespace lansync::core
