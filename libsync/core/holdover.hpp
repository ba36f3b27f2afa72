// How far the clock's frequency may move while no reference is heard, as its own record earns it;
// and, without a sensor, where it goes: the shape of its day.
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
// outage, and nothing would say so.
//
// Without a sensor the temperature still moves the crystal, and most of it
// with the day: a garage, a tent, a room whose heating runs on a timer.
// DailyShape keeps the frequency the updates set, in kShapeBinS means, for
// two days and an hour; through an outage the clock follows how the frequency
// changed over the same part of the day before (the mean of the two days
// before, where both are held), each day's trend taken out, so that a day's
// shape is a cycle.  A held frequency lags the day's cycle by up to its whole
// swing (chrony's fallbackdrift holds a long average instead, which misses
// the swing itself); measured in tests/sim/temp_outage_* without a sensor
// (bench/README.md).  The record outlives a restart (a power cut in the
// garage): sntpd keeps its points on the real-time clock beside the drift
// file and puts them back at the first update after start, when that clock is
// right again.  Pure: times (monotonic ns) come in.
#pragma once

#include <cstddef>
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

// The bins the day's shape is kept in (s), how long it is kept, a day, and how long after the last
// update the clock follows it (s): past the longest poll, so that it never moves between polls.
inline constexpr double kShapeBinS = 900;
inline constexpr double kShapeDayS = 86400;
inline constexpr double kShapeRecordS = 2 * kShapeDayS + 3600;
inline constexpr double kShapeStartS = 2048;

class DailyShape {
 public:
  // A bin as a restart keeps it: its mean time, its mean frequency (ppm) and how many updates.
  struct Point {
    int64_t t_ns = 0;
    double ppm = 0;
    int count = 0;
  };

  // The clock's frequency as an update set it at t_ns (ppm).
  void add(int64_t t_ns, double ppm);
  // The record, a point a bin, oldest first, on the times add() was given.
  std::vector<Point> points() const;
  // Points an earlier run kept, their times on this run's clock: those before the record's first
  // bin (before now_ns where it has none) and within kShapeRecordS of now_ns go in front of it.
  // Returns how many did.
  size_t restore(const std::vector<Point>& earlier, int64_t now_ns);
  // How far the frequency has moved (ppm) at now_ns since the last update at last_ns, as the day's
  // shape says: 0 until kShapeStartS after it; none while the record holds no day before last_ns.
  std::optional<double> change_ppm(int64_t last_ns, int64_t now_ns) const;
  void clear() { bins_.clear(); }

 private:
  struct Bin {
    int64_t start_ns = 0;
    double sum_t_s = 0, sum_ppm = 0;  // of its samples' times (s after start_ns) and frequencies
    int count = 0;
    int64_t mean_t_ns() const;
    double mean_ppm() const { return sum_ppm / count; }
  };
  // The frequency at t_ns, between the means of the bins around it; none in a hole of the record.
  std::optional<double> at(int64_t t_ns) const;
  // Day `back` (1: the day before last_ns) changed by this (ppm) from its start to tau_ns into
  // it, its trend taken out; none where the record has a hole.
  std::optional<double> day_change(int64_t last_ns, int back, int64_t tau_ns) const;
  std::vector<Bin> bins_;  // oldest first, none older than kShapeRecordS
};

}  // namespace lansync::core
