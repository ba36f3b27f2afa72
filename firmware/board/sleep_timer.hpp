// The sleep timer's rate, learned from the bursts after waking, and the clock carried across deep
// sleep by a two-state Kalman filter: how far the clock is off, and how far the timer's rate is.
//
// Deep sleep runs on a slow timer (the ESP32's 150 kHz RC oscillator, the
// ESP8266's RTC timer) whose rate is off by hundreds of ppm and moves with
// temperature.  Taken at its tolerance, ten minutes asleep cost a quarter of
// a second.  So the board keeps two estimates across sleeps: the clock's
// offset theta (truth minus clock, ns) and the timer's rate error rho (ppb),
// with their covariance.  A sleep of S moves the clock S * (1 + rate) and
// grows the uncertainty: theta takes S * rho, so var(theta) gains
// 2 S cov + S^2 var(rho).  The first networked burst after waking measures
// theta: read each way against the least delay the path has shown (the
// least forward and least backward delays bound it from both sides; the
// board does that, on_wake_sample takes the middle and its spread).
// The update moves the clock by the gain's share of the sample (little when
// the prior is better than one burst, all when it is not) and corrects the
// rate through the covariance: what the sleep got wrong teaches the rate.
// A daily temperature swing moves the rate steadily for hours, so the rate
// has a trend too, fed by the corrections the readings make (a second-order
// loop: each correction adds itself over kTrendHours to the trend), and the
// rate at a sleep is the rate extrapolated along it (never more than two
// hours ahead).  Around that, var(rho) grows at the rate's wander per hour,
// squared; a burst whose samples' own guarantee (their delays) lies beyond
// four standard deviations of the filter's clock says the rate wanders faster
// than assumed, and the wander doubles.  While awake the board's estimator keeps the
// clock; clock_steered() hands its uncertainty back to the filter.
//
// The bound trusts the filter only once it has earned it: while fewer than
// kTrustedReadings wakes in a row found the clock within four standard
// deviations of where the filter said, the sleep's bound is the tolerance's
// (a timer may jump by hundreds of ppm; only a smooth one is learned), and
// after a burst the bound is what the samples themselves guarantee (their
// delays) plus how far the clock stayed from them.  Once trusted, the bound
// on waking grows by three standard deviations of the rate over the sleep
// (never more than the tolerance allows), and after a burst it is three of
// the clock's.  Integer units throughout (ns,
// ppb, ns^2, ns*ppb, ppb^2); all of it lives in the SleepRecord.
#pragma once

#include <stdint.h>

namespace lansync::fw {

struct SleepRecord;

class SleepTimer {
 public:
  // tolerance_ppb: the timer's worst rate error; start_rate_ppb: what the port says it is (its
  // calibration), else 0; wander_ppb_per_h: how fast the rate may move, at least.
  SleepTimer(int64_t tolerance_ppb, int64_t start_rate_ppb, int64_t wander_ppb_per_h);

  // Restores what a (sealed, checked) record learned; writes it into one.
  void restore(const SleepRecord& r);
  void save(SleepRecord* r) const;

  // The true time slept, ns, for a sleep the timer measured as slept_ns, from utc_ns.
  int64_t corrected_ns(int64_t slept_ns, int64_t utc_ns) const;
  // The bound on what corrected_ns() got wrong, ns, for the same sleep.
  int64_t error_ns(int64_t slept_ns, int64_t utc_ns) const;
  // A wake after slept_ns (as the timer measured it) ending at utc_ns: the uncertainty grows.
  void slept(int64_t slept_ns, int64_t utc_ns);
  // Whether the clock ran across a sleep since the last networked sample.
  bool woke() const { return slept_ns_ > 0; }
  // Whether enough wakes in a row agreed with the filter for its bounds to be used.
  bool trusted() const;

  // The first networked samples after waking, at utc_ns: their offset_ns (sample minus clock)
  // and its standard deviation sample_sd_ns.  Returns the correction to apply to the clock, ns,
  // and sets *sd_ns to the clock's standard deviation after it.
  int64_t on_wake_sample(int64_t offset_ns, int64_t sample_sd_ns, int64_t utc_ns, int64_t* sd_ns);
  // The board's estimator steered the clock (sd_ns its standard deviation now) and saw
  // path_delay_ns as the least delay of the path (0: none).
  void clock_steered(int64_t sd_ns, int64_t path_delay_ns);
  // A burst after waking saw delay_ns as its least delay: the path's least delay is at most that.
  void saw_path_delay(int64_t delay_ns) {
    if (delay_ns > 0 && (path_delay_ns_ == 0 || delay_ns < path_delay_ns_)) path_delay_ns_ = delay_ns;
  }
  // The clock was set from elsewhere (a phone, the RTC): nothing to learn until a sample.
  void forget_sleep();

  // The rate error (true = measured * (1 + rate)) at utc_ns, along its trend, ppb.
  int64_t rate_ppb(int64_t utc_ns) const;
  // One standard deviation of the rate at utc_ns, ppb.
  int64_t rate_sd_ppb(int64_t utc_ns) const;
  // The path's least delay as last seen (0: unknown).
  int64_t path_delay_ns() const { return path_delay_ns_; }
  uint32_t readings() const { return readings_; }

  // Wakes in a row within four standard deviations before the filter's bounds are used.
  static constexpr uint16_t kTrustedReadings = 8;

 private:
  // var(rho) at utc_ns: the last reading's, grown by the wander since.
  int64_t rate_var_at(int64_t utc_ns) const;

  int64_t tolerance_ppb_;
  int64_t rate_ppb_;  // at learned_utc_ns_
  int64_t trend_ppb_per_h_ = 0;
  int64_t rate_var_ppb2_;  // var(rho) at the last reading
  int64_t wander_ppb_per_h_;
  int64_t learned_utc_ns_ = 0;  // when the rate was last read; 0: never
  int64_t grown_var_ppb2_ = 0;  // var(rho) the filter has propagated to, since that reading
  int64_t clock_var_ns2_ = 0;   // var(theta)
  int64_t cov_ns_ppb_ = 0;      // cov(theta, rho)
  int64_t path_delay_ns_ = 0;
  int64_t slept_ns_ = 0;  // asleep since the last networked sample, ns
  uint16_t readings_ = 0;
  uint16_t consistent_ = 0;
};

}  // namespace lansync::fw
