// Intersection algorithm; see select.hpp.
#include "core/select.hpp"

#include <algorithm>
#include <array>

namespace lansync::core {
namespace {

// An interval endpoint or midpoint; type -1 = lower end, 0 = midpoint, +1 = upper end.
struct Edge {
  int64_t value;
  int type;
};

// RFC 5905 §11.2.1 on the sorted edges of count intervals: allows ever more
// falsetickers until a majority of the intervals overlaps and no more
// midpoints than allowed lie outside it; that overlap in sel.low_ns and
// sel.high_ns, false if there is none.
bool intersect(const Edge* begin, const Edge* end, int count, Selection& sel) {
  for (int allow = 0; 2 * allow < count; ++allow) {
    int found = 0;
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
      if (e->type == 0) ++found;
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
      if (e->type == 0) ++found;
    }
    if (have_low && have_high && found <= allow && sel.low_ns <= sel.high_ns) return true;
  }
  return false;
}

}  // namespace

Selection select_sources(const Candidate* candidates, size_t n, bool* truechimer) {
  Selection sel;
  n = std::min(n, kMaxSources);
  for (size_t i = 0; i < n; ++i) truechimer[i] = false;
  if (n == 0) return sel;

  std::array<Edge, 3 * kMaxSources> edges{};
  for (size_t i = 0; i < n; ++i) {
    int64_t r = std::max(candidates[i].root_distance_ns, kMinSelectionDistanceNs);
    edges[3 * i] = {candidates[i].offset_ns - r, -1};
    edges[3 * i + 1] = {candidates[i].offset_ns, 0};
    edges[3 * i + 2] = {candidates[i].offset_ns + r, +1};
  }
  std::sort(edges.begin(), edges.begin() + 3 * n, [](const Edge& a, const Edge& b) {
    return a.value != b.value ? a.value < b.value : a.type < b.type;
  });

  sel.ok = intersect(edges.data(), edges.data() + 3 * n, static_cast<int>(n), sel);
  if (!sel.ok) return sel;

  // Combine the survivors, weighting each by the inverse of its root distance
  // (floored at 1 µs, so that a zero distance cannot take all the weight).
  double weight_sum = 0;
  double weighted = 0;
  for (size_t i = 0; i < n; ++i) {
    const Candidate& c = candidates[i];
    if (c.offset_ns < sel.low_ns || c.offset_ns > sel.high_ns) continue;
    truechimer[i] = true;
    ++sel.truechimers;
    double w = 1.0 / static_cast<double>(std::max<int64_t>(c.root_distance_ns, 1000));
    weight_sum += w;
    // Offsets relative to low_ns keep the doubles small, so no precision is lost.
    weighted += w * static_cast<double>(c.offset_ns - sel.low_ns);
    if (sel.truechimers == 1 || c.root_distance_ns < sel.root_distance_ns) {
      sel.root_distance_ns = c.root_distance_ns;
    }
  }
  sel.offset_ns = sel.low_ns + static_cast<int64_t>(weighted / weight_sum);
  return sel;
}

}  // namespace lansync::core
