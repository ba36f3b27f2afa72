// How far the clock's frequency may move while no reference is heard, as its own record earns it.
//
// The error a server states grows with the time since its reference was last
// heard, at PHI (RFC 5905: 15 ppm, any crystal anywhere) plus what its
// frequency is not known to.  A crystal corrected for its temperature
// (core/thermal) moves far less: what the discipline still has to follow
// (its frequency, the correction beneath it left out) is the crystal's
// wander and what the curve gets wrong.  FrequencyRecord keeps that frequency
// as the updates set it, the least and the most of each hour for
// kHoldoverRecordS, and earned_bound_ppm() says how far it may move: its
// range over the record, kHoldoverSafety times, plus kHoldoverFloorPpm, once
// the record spans kHoldoverMinSpanS (a day: a daily cycle of the room seen),
// and never more than PHI.  Only a clock whose temperature is corrected and
// within what its curve learnt may claim it (the caller's rule): without a
// sensor a room that was steady for days may warm by ten degrees in an
// outage, and nothing would say so.  Pure: times (monotonic ns) come in.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace lansync::core {

// How long the record reaches back (s): three days.
inline constexpr double kHoldoverRecordS = 3 * 86400.0;
// How long it must span before it earns anything (s): a day.
inline constexpr double kHoldoverMinSpanS = 86400.0;
// The record's range, times this, plus the floor: how far the frequency may move (ppm).
inline constexpr double kHoldoverSafety = 2;
inline constexpr double kHoldoverFloorPpm = 0.1;

class FrequencyRecord {
 public:
  // The clock's frequency as an update set it at t_ns (ppm; the temperature's correction left out).
  void add(int64_t t_ns, double ppm);
  // How far it may move from what it was last set to (ppm), if the record earned it by now_ns.
  std::optional<double> earned_bound_ppm(int64_t now_ns) const;
  void clear() { hours_.clear(); }

 private:
  struct Hour {
    int64_t start_ns = 0;
    double min_ppm = 0, max_ppm = 0;
  };
  std::vector<Hour> hours_;  // oldest first, none older than kHoldoverRecordS
};

}  // namespace lansync::core
