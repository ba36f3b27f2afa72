// Source selection: which servers agree on the time, and the offset they agree on.
//
// RFC 5905 §11.2.1 intersection algorithm (Marzullo's, as chronyd runs it):
// each server is an interval offset ± root distance; the algorithm finds the
// interval where a majority of them overlap, and servers whose intervals miss
// it are falsetickers.  Unlike RFC 5905 (and like chronyd), a truechimer's
// midpoint need not lie in the overlap: a coarse source agrees with a fine one
// as long as their intervals meet.  The survivors' offsets are
// combined weighted by 1 / root distance (§11.2.3), those within kCombineLimit
// times the least root distance (at least kMinSelectionDistanceNs) only
// (chronyd's combinelimit): a GPS receiver's own time, good to 0.2 s, must not
// pull its pulse's microseconds, nor an internet server a LAN one's.  Heap-free; at most
// kMaxSources candidates.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lansync::core {

inline constexpr size_t kMaxSources = 32;
// RFC 5905 MINDISP: no interval is narrower than ±5 ms, so servers that agree
// within the noise of a LAN are not called falsetickers for a few microseconds.
inline constexpr int64_t kMinSelectionDistanceNs = 5'000'000;
// Truechimers whose root distance is beyond this many times the least one's are not combined.
inline constexpr int64_t kCombineLimit = 3;
// What chronyd adds to the best one's distance before that (its reselectdist).
inline constexpr int64_t kCombineMarginNs = 100'000;
// The root distance beyond which a truechimer is not combined with the best one, whose root
// distance is best_distance_ns: kCombineLimit times it, floored at kMinSelectionDistanceNs as the
// intervals are (servers a few milliseconds apart on a LAN are all combined).  When the best is a
// reference clock (a GPS pulse or receiver, stratum 0), whose distance is no network's noise, the
// floor is chronyd's margin instead: a pulse good to a microsecond is not combined with a LAN
// server's milliseconds.
int64_t combine_limit_ns(int64_t best_distance_ns, bool reference_clock = false);

struct Candidate {
  int64_t offset_ns = 0;         // positive: the server is ahead of us
  int64_t root_distance_ns = 0;  // half-width of its correctness interval (>= 0)
  bool reference_clock = false;  // a GPS receiver or its pulse (stratum 0)
};

struct Selection {
  bool ok = false;     // a majority agreed
  int64_t low_ns = 0;  // intersection interval
  int64_t high_ns = 0;
  int64_t offset_ns = 0;         // combined offset of the truechimers
  int64_t root_distance_ns = 0;  // smallest root distance among the truechimers
  size_t truechimers = 0;
};

// Runs the intersection over n candidates (n <= kMaxSources; more are
// ignored).  Sets truechimer[i] for each i < n.
Selection select_sources(const Candidate* candidates, size_t n, bool* truechimer);

}  // namespace lansync::core
