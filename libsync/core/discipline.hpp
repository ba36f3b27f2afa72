// The clock discipline sntpd runs when it follows upstream servers, chronyd's with a Kalman filter.
//
// Each server's samples (offset and delay, on the clock as corrected so far)
// are kept in a register (SourceStats).  The oldest are dropped while a
// weighted line's residuals (with those of as many older samples) show a
// pattern (too few runs of one sign: the frequency wandered or stepped), as
// chronyd's runs test does.  Through what is left, a forward Kalman filter of
// the offset and the frequency gives the server's offset now, our clock's
// frequency error, and the errors of both: our frequency wanders as a random
// walk (kFrequencyWander, a crystal's), so older samples count less than on a
// line.  Each sample tells the filter a bound: neither way of an exchange was
// quicker than in the register's quickest, so its offset is off by at most
// half its delay beyond the least, however its queueing was split.  The
// filter takes the bound as it is (its prediction cut to it, the edges softened
// by the least-delayed sample's own error) once the register has 8 samples;
// before, a sample counts less the more delay it had (chrony's weights, three
// times sharper).  The noise is scaled to what the line's residuals show.
// Queueing on one way only (a busy uplink) makes offsets grow with delay: as
// chronyd does, that slope is estimated, and when it has been one-sided (0.45
// or more) for 10 samples, offsets are taken as they would have been at the
// least delay and the filter weighs them (the bounds are around the offsets as
// measured).  Where the crystal's room warms or cools, its frequency ramps for
// hours, and a filter of a wandering frequency lags it (its misses small but of
// one sign): a second filter, whose frequency also has a rate of change, runs
// beside it, and its estimate is used while its predictions of the samples that
// came after them have missed by 0.8 times the steady filter's or less (the
// misses fading by 0.9 a sample); while it is, the runs test cuts the
// register by a parabola's residuals, not a line's, so that it keeps the hours
// of samples the rate needs.  Where a sensor or a pulse corrects the
// crystal beneath, the caller says so (correct_beneath): they take its ramps
// out.  What a sensor's curve leaves moves faster than a crystal alone, by as
// much as the sensor's steps and the lag it learnt miss the room: there the
// filter learns its wander from the register, as the likeliest of a few.
//
// The clock (ClockLoop) is never fed to the kernel's PLL.  Each update takes a
// share of the measured frequency error (all of it while ours is unknown, less
// as our frequency becomes better known than the new estimate: chrony's skew
// blend) and the whole offset, which is slewed out by a temporary extra
// frequency over a time that grows with the update interval and shrinks with
// the offset: a large offset goes fast (up to 1/12, as chronyd's maxslewrate),
// a small one within its noise takes a few poll intervals.  Every correction
// made is also applied to every register's stored samples, so that they keep
// describing the clock as it is now and no sample is ever applied twice.
// "Cooked" time is the clock with the slew in progress taken as done: sample
// offsets are measured against it (offset - remaining).
//
// Signs, as everywhere in lansync: an offset is positive when the server is
// ahead (our clock is behind); a frequency is positive when our clock runs
// faster (it is the kernel's); a frequency error is positive when the
// server gains on us (we must run faster).  Pure: times come in as parameters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace lansync::core {

// Samples a register keeps (chrony's MAX_SAMPLES).
inline constexpr size_t kMaxStatSamples = 64;
// The fewest samples the runs test leaves (chrony's minsamples default).
inline constexpr size_t kMinStatSamples = 6;
// Fastest slew of an offset, as a frequency (chronyd's maxslewrate: 1/12).
inline constexpr double kMaxSlewPpm = 1e6 / 12;
// How many update intervals an offset equal to its error takes to slew out, times 2 (chronyd's
// corrtimeratio, 3 there): the filter's offsets move more from one update to the next than a
// line's, and a slower slew keeps that out of the frequency (bench/README.md).
inline constexpr double kCorrectionTimeRatio = 9;
// How much each older miss of a model's prediction counts less (some ten samples remembered), and
// by how much the ramp model must have missed less to be used: by chance alone, it seldom has.
inline constexpr double kMissMemory = 0.9;
inline constexpr double kRampAdvantage = 0.8;

// What corrects the crystal beneath the discipline (os/clock_compensated), which decides how the
// filters follow what is left: nothing (the ramp model may follow a room's ramps), a temperature
// sensor's curve (the ramps are taken out; the sensor's half-degree steps and the lag the curve
// learnt leave a frequency that walks faster than a crystal's, by as much as they miss the room:
// the wander is learnt), or a steady pulse (a TCXO's, the crystal's own wander stands).
enum class Beneath { Nothing, Temperature, Pulse };

// One measurement of a server, for the register.
struct StatSample {
  int64_t time_ns = 0;       // our (cooked) clock when it was taken
  int64_t offset_ns = 0;     // positive: the server is ahead
  int64_t delay_ns = 0;      // round trip, at least the precision
  int64_t precision_ns = 1;  // both sides' reading error
};

// What a register's filter says of its server.
struct SourceEstimate {
  int64_t time_ns = 0;        // the newest sample's time, where offset_ns applies
  int64_t first_time_ns = 0;  // the oldest sample's in the register
  int64_t offset_ns = 0;      // the offset at time_ns
  double freq_ppm = 0;        // the frequency error at time_ns: positive, the server gains on us
  double freq_sd_ppm = 0;     // standard error of freq_ppm
  int64_t offset_sd_ns = 0;   // standard error of offset_ns
  double skew_ppm = 0;        // bound on the slope's error (99.95 %)
  int64_t std_dev_ns = 0;     // the standard deviation of a sample of mean weight
  int64_t newest_sd_ns = 0;   // the newest sample's, by its delay's weight
  size_t samples = 0;         // in the register
  bool ramping = false;       // from the ramp model (the frequency moving at a rate)
  double ramp_ppm_per_h = 0;  // while ramping: freq_ppm's rate of change
  // The offset predicted at t_ns.
  int64_t offset_at(int64_t t_ns) const;
};

// How far a correction made at when_ns (the clock made faster by dfreq_ppm and
// moved forward by doffset_ns) moves the clock's reading at t_ns <= when_ns:
// a sample taken then has its time moved by it and its offset by minus it.
int64_t correction_shift_ns(int64_t t_ns, int64_t when_ns, double dfreq_ppm, int64_t doffset_ns);

// A correction of the clock as the stored samples follow it: made at when_ns, the clock made
// faster by dfreq_ppm and moved forward by doffset_ns (a step is {0, 0, its offset}).
struct SampleShift {
  int64_t when_ns = 0;
  double dfreq_ppm = 0;
  int64_t doffset_ns = 0;
  // Moves a sample taken at *time_ns with offset *offset_ns onto the clock as corrected.
  void apply(int64_t& time_ns, int64_t& offset_ns) const {
    int64_t delta = correction_shift_ns(time_ns, when_ns, dfreq_ppm, doffset_ns);
    offset_ns -= delta;
    time_ns += delta;
  }
};

class SourceStats {
 public:
  // Adds s (newest) and filters again, dropping what the runs test rejects.
  void add(const StatSample& s);
  // A correction was made: the samples move with it.
  void shift(const SampleShift& c);
  void clear();
  size_t size() const { return samples_.size(); }
  // The last fit; none below 3 samples.
  const std::optional<SourceEstimate>& estimate() const { return estimate_; }
  // The offset expected at t_ns before a new sample: the estimate's, or the last sample's.
  std::optional<int64_t> predict_ns(int64_t t_ns) const;
  // What corrects the crystal beneath, from the next fit on (nothing by default).  The ramp model
  // runs only where nothing does; a change starts both models' misses again.
  void correct_beneath(Beneath b);

 private:
  // Filters again; a new sample also counts towards the asymmetry.
  void fit(bool new_sample = false);
  // The ramp model is allowed (nothing beneath) and has missed the last samples by kRampAdvantage times
  // the steady one's or less.
  bool ramping() const;
  // The asymmetry slope of a new fit and its standard error: asymmetry_ is taken once a run of
  // one-sided ones is long.
  void note_asymmetry(double slope, double sd);
  std::vector<StatSample> samples_;  // the estimate's, oldest first
  std::vector<StatSample> older_;    // dropped from it, kept for the runs test
  std::optional<SourceEstimate> estimate_;
  // The models' last estimates (0: steady, 1: ramp), shifted with the samples, and how far
  // they missed the samples after them (s.offset - prediction, in ns, each older miss counting
  // kMissMemory times less).
  struct Prediction {
    int64_t time_ns = 0, offset_ns = 0;
    double freq = 0;  // s/s
  };
  std::optional<Prediction> predictions_[2];
  double misses_[2] = {0, 0};
  Beneath beneath_ = Beneath::Nothing;
  int asymmetry_run_ = 0;  // one-sided slopes in a row: positive on the way there, negative back
  double asymmetry_ = 0;   // the share of the excess delay taken off each offset, if the run is long
};

// What an update asks of the clock.
struct ClockUpdate {
  double frequency_ppm = 0;              // the frequency to set now (base and slew)
  double dfreq_ppm = 0;                  // the change of the base frequency: the samples shift by it
  int64_t doffset_ns = 0;                // the offset taken on: the samples shift by it
  int64_t slew_end_mono_ns = INT64_MAX;  // when the slew is done (the frequency goes back to base)
  double skew_ppm = 0;                   // our frequency's error bound after the update
  double correction_rate_s2 = 0;  // offset (s) x slew duration (s): 1.5 x offset error x update interval
  bool is_update = false;         // a new estimate (not the end of a slew)
};

// The clock's frequency and the slew of the offsets it was given.  Times on a monotonic clock.
class ClockLoop {
 public:
  // base_ppm: the frequency the clock has (the drift file's); skew_ppm: how well it is known.
  explicit ClockLoop(double base_ppm = 0, double skew_ppm = 1e6) : base_ppm_(base_ppm), skew_ppm_(skew_ppm) {}

  // An update at now with the servers' offset (and its error), their frequency error and its skew.
  // Planned only: commit() makes it the clock's state once the clock took it.
  ClockUpdate plan(int64_t now_mono_ns, int64_t offset_ns, int64_t offset_sd_ns, double freq_ppm,
                   double skew_ppm) const;
  void commit(int64_t now_mono_ns, const ClockUpdate& u);
  // The slew ended (or is due to): the frequency to set, the base.
  ClockUpdate end_slew(int64_t now_mono_ns) const;
  // The offset still to slew at now (positive: the clock will move forward).
  int64_t remaining_ns(int64_t now_mono_ns) const;
  // When the slew in progress is due to end; INT64_MAX: none.
  int64_t slew_end_mono_ns() const { return slew_ppm_ == 0 ? INT64_MAX : slew_end_mono_ns_; }
  double base_ppm() const { return base_ppm_; }
  double skew_ppm() const { return skew_ppm_; }

 private:
  // The base frequency after a change of dfreq_ppm, within the kernel's range.
  double base_after(double dfreq_ppm) const;
  // The slew of pending_ns starting at now: its frequency and end.
  void plan_slew(int64_t now_mono_ns, int64_t pending_ns, double correction_rate_s2, ClockUpdate& u) const;

  double base_ppm_;
  double skew_ppm_;
  int64_t pending_ns_ = 0;  // offset left to slew at slew_start
  double slew_ppm_ = 0;     // the extra frequency slewing it
  int64_t slew_start_mono_ns_ = 0;
  int64_t slew_end_mono_ns_ = INT64_MAX;
  int64_t last_update_mono_ns_ = -1;
  double correction_rate_s2_ = 0;  // the last update's: offset x duration
};

}  // namespace lansync::core
