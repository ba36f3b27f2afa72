// Offset and frequency of a reference from a history of measurements: a delay-weighted
// least-squares line, with a runs test that drops samples the line no longer fits.
//
// Each sample says what UTC the reference showed at one instant of the local
// counter, how long the exchange took (the round-trip delay) and hence how
// much it can be off: half the delay above the least delay seen is queueing,
// which may sit on either leg.  The fit weights each sample by 1/sigma^2 with
// sigma = floor + (delay - least delay) / 2, as chrony weights its regression,
// so that the rare quick exchanges decide.  When the residuals' signs form too
// few runs (a one-sided 5% runs test, the test chrony applies in regress.c),
// the line no longer fits the oldest samples: the crystal's frequency moved.
// They are dropped, a quarter at a time.  Samples are kept as raw pairs (local
// time, reference UTC), so nothing has to be rewritten when the clock is
// corrected.  Integer arithmetic only, sums in 128 bits (core/wide).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace lansync::fw {

// One measurement of the reference.
struct Sample {
  int64_t local_ns = 0;  // local counter at the measurement (the middle of an exchange)
  int64_t utc_ns = 0;    // the reference's UTC at that instant, Unix ns
  int64_t delay_ns = 0;  // round-trip delay; 0 for a reading with no path (an RTC read at its tick)
};

// The line through the samples: reference UTC as a function of local time.
struct Fit {
  bool ok = false;            // false: no samples
  bool freq_fitted = false;   // false: too few or too short to fit a slope; freq_q32 is the hint
  int64_t local_ns = 0;       // anchor: the newest sample's local time
  int64_t utc_ns = 0;         // reference UTC predicted at the anchor
  int64_t freq_q32 = 0;       // reference rate against the local counter, minus 1, in 2^-32 units
  int64_t freq_sd_q32 = 0;    // its standard error (when freq_fitted)
  int64_t offset_sd_ns = 0;   // standard error of utc_ns, from the samples' sigmas
  int64_t rms_ns = 0;         // weighted RMS of the residuals
  int64_t min_delay_ns = 0;   // least delay among the samples used
  size_t used = 0;            // samples the line rests on

  // Reference UTC predicted at local_ns.
  int64_t predict(int64_t at_local_ns) const;
};

class Estimator {
 public:
  static constexpr size_t kCapacity = 48;
  // A slope is fitted from this many samples on, and used only when its
  // standard error is below kMaxFreqSdQ32 (5 ppm).
  static constexpr size_t kMinFreqSamples = 3;
  static constexpr int64_t kMaxFreqSdQ32 = 21'475;

  // sigma_floor_ns: the least error assumed for any sample (path asymmetry,
  // timestamp resolution).
  explicit Estimator(int64_t sigma_floor_ns = 20'000) : sigma_floor_ns_(sigma_floor_ns) {}

  void clear() { count_ = 0; }
  size_t size() const { return count_; }
  // The i-th sample, oldest first.
  const Sample& at(size_t i) const { return ring_[(first_ + i) % kCapacity]; }

  // Adds a sample (local times must increase), dropping the oldest when full.
  void add(const Sample& s);
  // Drops the samples taken before oldest_local_ns.
  void expire(int64_t oldest_local_ns);

  // Fits the line; freq_hint_q32 is the frequency assumed while none can be
  // fitted (the clock's current one).  May drop old samples (runs test).
  Fit fit(int64_t freq_hint_q32);

  // The sigma the fit gives a sample of this delay, with the least delay seen.
  int64_t sigma_ns(int64_t delay_ns, int64_t min_delay_ns) const;

 private:
  Fit fit_range(size_t first, int64_t freq_hint_q32, bool* random_runs) const;
  void drop_oldest(size_t n);

  int64_t sigma_floor_ns_;
  Sample ring_[kCapacity];
  size_t first_ = 0;
  size_t count_ = 0;
};

}  // namespace lansync::fw
