// Offset and frequency of a reference from a history of measurements: the envelope of the
// one-way delays, with a weighted least-squares line to start from.
//
// Each sample says what UTC the reference showed at one instant of the local
// counter and how long the exchange took.  Queueing only ever adds delay, on
// either leg, so a sample's offset y - delay/2 ... y + delay/2 brackets the
// truth: y + delay/2 is the offset plus the uplink delay, y - delay/2 the
// offset minus the downlink delay.  With a line through time, the lower
// convex hull of the first and the upper hull of the second are lines that
// only the least-queued samples touch; the edge of each over the mean time is
// the linear-programming estimate of Moon, Skelly and Towsley ("Estimation
// and removal of clock skew from network delay measurements", 1999), and the
// midline of the two gives the offset and the frequency.  Its error shrinks
// with the least queueing seen each way, like 1/n, where an average of the
// same samples shrinks like 1/sqrt(n); on a Wi-Fi path that is the difference
// between a millisecond and a tenth of one (bench/README.md).  The one thing
// no client can see, a constant asymmetry of the path, stays in it.
//
// Until the samples span kMinEnvelopeSpanNs, a least-squares line weighted by
// 1/sigma^2, sigma = floor + (delay - least delay) / 2 (chrony's weighting),
// gives the first frequency, and only once its standard error is below
// kMaxFreqSdQ32; before that the newest sample is taken at the hinted
// frequency.  The caller bounds the history by age (expire()): the line must
// not span more than the crystal's frequency stays put.  Samples are raw
// pairs (local time, reference UTC), so nothing is rewritten when the clock
// is corrected.  Integer arithmetic only, products in 128 bits (core/wide).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace lansync::fw {

// One measurement of the reference.
struct Sample {
  int64_t local_ns = 0;  // local counter at the measurement (the middle of an exchange)
  int64_t utc_ns = 0;    // the reference's UTC at that instant, Unix ns
  int64_t delay_ns = 0;  // round-trip delay; for an RTC read, the read's uncertainty (twice its error)
};

// The line through the samples: reference UTC as a function of local time.
struct Fit {
  bool ok = false;           // false: no samples
  bool freq_fitted = false;  // false: too few or too close; freq_q32 is the hint
  bool envelope = false;     // offset and frequency come from the delay envelope
  int64_t local_ns = 0;      // anchor: the newest sample's local time
  int64_t utc_ns = 0;        // reference UTC predicted at the anchor
  int64_t freq_q32 = 0;      // reference rate against the local counter, minus 1, in 2^-32 units
  int64_t freq_sd_q32 = 0;   // the least-squares slope's standard error (when freq_fitted)
  int64_t offset_sd_ns = 0;  // standard error of the least-squares offset at the anchor
  int64_t min_delay_ns = 0;  // least delay among the samples
  size_t used = 0;           // samples the line rests on

  // Reference UTC predicted at local_ns.
  int64_t predict(int64_t at_local_ns) const;
};

// The least-squares weight of a sample of standard deviation sigma_ns: 2^30 / sigma^2, sigma in
// microseconds rounded up (1 us to 2^20 us), at least 1.
int64_t sample_weight(int64_t sigma_ns);

class Estimator {
 public:
  // 34 minutes of bursts of 4 every 64 s; 3 KB, and 2 KB of scratch.
  static constexpr size_t kCapacity = 128;
  // A slope is fitted from this many samples on, and used only when its
  // standard error is below kMaxFreqSdQ32 (5 ppm).
  static constexpr size_t kMinFreqSamples = 3;
  static constexpr int64_t kMaxFreqSdQ32 = 21'475;
  // The envelope decides once the samples span this long (5 minutes).
  static constexpr int64_t kMinEnvelopeSpanNs = int64_t{300} * 1'000'000'000;

  // sigma_floor_ns: the least error assumed for any sample in the
  // least-squares weights (path asymmetry, timestamp resolution).
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
  // fitted (the clock's current one).
  Fit fit(int64_t freq_hint_q32) const;

  // The sigma the least-squares fit gives a sample of this delay, with the least delay seen.
  int64_t sigma_ns(int64_t delay_ns, int64_t min_delay_ns) const;

 private:
  struct Edge {
    int64_t slope_q32 = 0;  // against the hinted line
    int64_t at_mean = 0;    // value at the mean time, ns against the hinted line
  };
  // The hull edge over the mean time of y + delay/2 (lower hull) or of
  // y - delay/2 (upper hull), y taken against the hinted line.
  Edge envelope(int64_t freq_hint_q32, bool uplink, int64_t mean_d) const;
  // Once the samples span kMinEnvelopeSpanNs: f's offset and frequency from the middle of the
  // two envelopes, around the mean local time (mean_d before the newest sample).
  void fit_envelope(Fit& f, int64_t freq_hint_q32, int64_t mean_d) const;

  int64_t sigma_floor_ns_;
  Sample ring_[kCapacity];
  // Scratch for the hulls: kept here, not on the stack (the ESP8266's is 4 KB).
  mutable int64_t hull_d_[kCapacity] = {};
  mutable int64_t hull_v_[kCapacity] = {};
  size_t first_ = 0;
  size_t count_ = 0;
};

}  // namespace lansync::fw
