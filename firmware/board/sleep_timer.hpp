// The sleep timer's rate, learned from the bursts after waking, and the clock carried across deep
// sleep by a three-state Kalman filter: how far the clock is off, how far the timer's rate is, and
// how fast that rate moves.
//
// Deep sleep runs on a slow timer (the ESP32's 150 kHz RC oscillator, the
// ESP8266's RTC timer) whose rate is off by hundreds of ppm and moves with
// temperature.  Taken at its tolerance, ten minutes asleep cost a quarter of
// a second.  So the board keeps three estimates across sleeps: the clock's
// offset theta (truth minus clock, ns), the timer's rate error rho (ppb) and
// the rate's trend (ppb/h: a daily temperature swing moves the rate steadily
// for hours), with their covariance.  The clock carries theta's estimate
// itself (each wake corrects it), so the filter's mean is the rate and the
// trend, read at learned_utc_ns.  Awake, the timer does not count and the
// rate moves along its trend; a sleep of S moves the clock S * (1 + the rate
// in the middle of the sleep) and theta takes S * rho + S^2 / 2 * trend.  The
// trend wanders as a random walk (kJerk), which feeds all three variances;
// each sleep may also step the rate by up to the wander over its length.
// The first networked burst after waking measures theta (the board reads
// it: the least delay each way against the path's least delay;
// on_wake_sample takes the middle and its spread).  The update moves the
// clock by the gain's share of the sample (little when the prior is better
// than one burst, all when it is not) and corrects the rate and its trend
// through the covariances: what the sleep got wrong teaches the rate.  A
// burst beyond four standard deviations of the filter's clock says the rate
// jumped: the samples are taken as they are and the rate's variance grows by
// twice the jump the sleep showed, so the next wakes learn it anew.  While awake the board's estimator keeps
// the clock; clock_steered() hands its uncertainty back to the filter.
//
// The bound trusts the filter only once it has earned it: while fewer than
// kTrustedReadings wakes in a row found the clock within four standard
// deviations of where the filter said, the sleep's bound is the tolerance's
// (a timer may jump by hundreds of ppm; only a smooth one is learned), and
// after a burst the bound is what the samples themselves guarantee (their
// delays) plus how far the clock stayed from them.  Once trusted, the bound
// on waking grows by three standard deviations of what the sleep added to
// theta (never more than the tolerance allows), and after a burst it is
// three of the clock's.  Integer units throughout (ns, ppb, ppb/h and their
// products); all of it lives in the SleepRecord.
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
  // The covariance of (theta ns, rho ppb, trend ppb/h): symmetric, six numbers.
  struct Cov {
    int64_t tt = 0, tr = 0, td = 0, rr = 0, rd = 0, dd = 0;
  };
  // The state carried to utc_ns awake (the timer not counting): the rate moves along its trend.
  void advance_awake(int64_t utc_ns);
  // p carried over span_ns, asleep (theta takes the rate's share) or awake.
  void advance(Cov* p, int64_t span_ns, bool asleep) const;
  // ... over a sleep of slept_ns, the rate stepping by up to the wander.
  void sleep(Cov* p, int64_t slept_ns) const;
  // Keeps p a covariance (no variance below 1 or beyond its cap, no correlation beyond 1).
  void settle(Cov* p) const;

  int64_t tolerance_ppb_;
  int64_t wander_ppb_per_h_;
  int64_t learned_utc_ns_ = 0;  // when the state below is for; 0: never started
  int64_t rate_ppb_;            // rho then
  int64_t trend_ppb_per_h_ = 0;
  Cov p_;
  int64_t path_delay_ns_ = 0;
  int64_t slept_ns_ = 0;  // asleep since the last networked sample, ns
  uint16_t readings_ = 0;
  uint16_t consistent_ = 0;
};

}  // namespace lansync::fw
