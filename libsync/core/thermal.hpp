// The crystal's frequency against its temperature, learnt online while a reference is heard.
//
// A Pi's crystal gains or loses about 0.25 ppm per degree, on a parabola; the
// sensor that can be read is the SoC's (or an RTC's), which the crystal
// follows with a lag of minutes to hours.  chrony's tempcomp applies
// coefficients a person fits by hand; this model fits them itself, the lag too.
//
// What it learns from is the clock's free-running phase: a sample's offset
// plus every correction made to the clock so far (CorrectionLedger), which
// moves only with the crystal: d phase / dt = -(its frequency error).  The
// error is w + a g1 + b g2, with g1 = X - t0, g2 = (X - t0)^2, X the sensor's
// reading passed through a lag (a first-order filter of time constant
// lag_s), w the rest of the crystal's error (a random walk, as its wander).
// For each of a few lags (kThermalLagsS) a Kalman filter of [phase, w, a, b]
// takes the phases in turn, the temperatures between them integrated exactly
// (the sensor held between readings, the lag's exponential in closed form),
// so no frequency is ever estimated from a pair of samples and no lag comes
// from smoothing.  Beside them a filter without temperature (the crystal's
// error w alone) is the model to beat.  Each counts as much as it predicted the
// phases (their likelihood, discounted over kThermalMemoryS: the models'
// posterior; a prediction accounts for what its coefficients are not sure of,
// so a curve must earn its place), and the correction is their weighted mean;
// where they disagree, or a curve is not known well yet, the correction
// shrinks (see correction_ppm), so that a curve half learnt does not move the
// clock more than it helps.
//
// The correction (correction_ppm) is the learnt curve at the lagged
// temperature now, with the sign that cancels it, as far as it is known (the
// curve's own error shrinks it): it goes beneath the clock's discipline, as
// tempcomp's does, so that the discipline sees a steadier crystal.  The curve is used only within the range
// of temperatures it was learnt over (a parabola extrapolated goes wrong fast) and only from
// kThermalMinPoints phases on.  Pure: times (monotonic ns) and readings come in
// as parameters.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace lansync::core {

// The lags the model chooses among (s): how slowly the crystal follows the sensor, a minute to two
// hours in steps of sqrt(2) (a lag between two is followed within a sixth of its phase).
inline constexpr std::array<double, 15> kThermalLagsS = {60,  85,   120,  170,  240,  340,  480, 680,
                                                         960, 1360, 1920, 2720, 3840, 5430, 7680};
// Phases learnt before the curve is used: a few noisy phases over minutes of a temperature rising
// one way cannot tell its slope from the crystal's own drift.
inline constexpr int64_t kThermalMinPoints = 16;
// How long a lag's record of predictions counts (s): it fades by e in this time.
inline constexpr double kThermalMemoryS = 2 * 86400.0;
// The largest correction applied (ppm), as chrony's tempcomp limits its own to 10.
inline constexpr double kMaxThermalCorrectionPpm = 20;
// A reading older than this (ns) is no longer the temperature: nothing is learnt until the next.
inline constexpr int64_t kThermalReadingMaxAgeNs = 600'000'000'000;

// The corrections made to a clock (its frequency set, its steps), summed: how far they moved its
// reading by a time.  Times are monotonic ns, frequencies ppm (positive: the clock made faster).
// The last kLedgerChanges changes are kept, so that a time a little before the last change (a
// pulse's edge read a second after it came) is summed as the clock then was.
inline constexpr size_t kLedgerChanges = 16;
class CorrectionLedger {
 public:
  // The clock's frequency correction is ppm from t_ns on.
  void set_frequency(int64_t t_ns, double ppm);
  // The clock was stepped by offset_ns (positive: forward) at t_ns.
  void step(int64_t t_ns, int64_t offset_ns);
  // How far every correction so far moved the clock's reading at t_ns: exact back to the oldest
  // change kept, before it as if the oldest frequency had run.
  int64_t total_ns(int64_t t_ns) const;
  double frequency_ppm() const { return changes_.empty() ? 0 : changes_.back().ppm; }

 private:
  struct Change {
    int64_t t_ns;
    double total_ns;  // at t_ns, this change made
    double ppm;       // from t_ns on
  };
  void add(const Change& c);
  std::deque<Change> changes_;  // oldest first, at most kLedgerChanges
};

// What the model has learnt: saved beside the drift, restored at start, shown by status.
struct ThermalCurve {
  double lag_s = 0;         // the crystal follows the sensor with this time constant
  double t0_c = 0;          // the temperature the coefficients are taken around
  double a_ppm_per_c = 0;   // the crystal's gain per degree at t0_c (positive: faster when warmer)
  double b_ppm_per_c2 = 0;  // its curvature
  double var_a = 1, var_b = 1, cov_ab = 0;  // the coefficients' covariance
  double min_c = 0, max_c = 0;              // the (lagged) temperatures learnt over
  int64_t points = 0;                       // phases learnt from
  double residual_us = 0;  // RMS of the phases' innovations: how far each came from where predicted
  // The crystal's gain at c against t0_c (ppm, positive: faster), c held within the range learnt.
  double gain_ppm(double c) const;
  // Its standard error (ppm), from the coefficients' covariance.
  double gain_sd_ppm(double c) const;
  // True where c is within the range learnt, widened by a degree each way: where the curve follows c
  // (beyond it, the gain holds at the edge's).
  bool covers(double c) const;

 private:
  // c held within the range the curve follows, against t0_c (degrees).
  double from_t0(double c) const;
};

// One lag's filter; ThermalModel holds one per kThermalLagsS.
class ThermalLag {
 public:
  // fixed: a crystal that ignores temperature (its coefficients held at 0), the model the curves
  // must beat.
  explicit ThermalLag(double lag_s = 60, bool fixed = false) : lag_s_(lag_s), fixed_(fixed) {}
  // The sensor read celsius at t_ns: what the crystal saw since the last reading is integrated.
  void add_temperature(int64_t t_ns, double celsius, double t0_c);
  // A phase (ns) measured at t_ns with standard error err_ns: the filter predicts it and learns.
  // The log-likelihood of the prediction; none where it was no evidence (the first, or a jump).
  std::optional<double> add_phase(int64_t t_ns, int64_t phase_ns, int64_t err_ns, double t0_c);
  // Starts the coefficients from a saved curve (same t0), keeps the lagged temperature.
  void restore(const ThermalCurve& c);
  ThermalCurve curve(double t0_c) const;
  double lagged_c() const { return x_; }
  bool has_temperature() const { return have_x_; }
  int64_t last_reading_ns() const { return reading_ns_; }

 private:
  // Integrates the lagged temperature from reading_ns_ to t_ns (the sensor held at s_).
  void integrate_to(int64_t t_ns, double t0_c);
  // The filter's phase starts again at phase_ns, of variance r (us^2): the first, or after a jump.
  void start_phase(int64_t phase_ns, double r);
  // Predicts the phase over the span integrated, the covariance with it.
  void predict();
  // Corrects the prediction by an innovation nu (us) of variance s.
  void correct(double nu, double s);

  double lag_s_;
  bool fixed_;
  // The lagged temperature and the sensor held since the last reading.
  bool have_x_ = false;
  double x_ = 0, s_ = 0;
  int64_t reading_ns_ = 0;
  // Since the last phase: s, and the integrals of g1 and g2 (degree s, degree^2 s).
  double span_s_ = 0, g1_ = 0, g2_ = 0;
  double span_min_c_ = 0, span_max_c_ = 0;  // the lagged temperature's range over the span
  // The filter: phase (us, against anchor_ns_), w (ppm), a (ppm/degree), b (ppm/degree^2).
  bool have_phase_ = false;
  int64_t anchor_ns_ = 0;
  std::array<double, 4> x4_{};
  std::array<std::array<double, 4>, 4> p4_{};
  double min_c_ = 0, max_c_ = 0;
  int64_t points_ = 0;
  double sum_r2_ = 0, sum_w_ = 0;   // the settled innovations' squares (us^2), and their count, fading
  double sum_nis_ = 0, sum_n_ = 0;  // every innovation's square over its variance, and their count
};

class ThermalModel {
 public:
  ThermalModel();
  // A curve an earlier run learnt: used at once and learnt on from.
  void restore(const ThermalCurve& c);
  // The sensor read celsius at t_ns (monotonic).
  void add_temperature(int64_t t_ns, double celsius);
  // The clock's free-running phase at t_ns (monotonic): a sample's offset plus every correction
  // made so far (CorrectionLedger::total_ns), ns; err_ns its standard error.
  void add_phase(int64_t t_ns, int64_t phase_ns, int64_t err_ns);
  // The correction for the crystal's temperature now (ppm; positive: speed the clock up); 0 until
  // a curve is learnt or restored, or without a recent reading.
  double correction_ppm() const;
  // The likeliest lag's curve, once learnt (or the one restored meanwhile).
  std::optional<ThermalCurve> curve() const;
  // Phases the lag in use has learnt from (before the curve is used, how far it is).
  int64_t learning_points() const;
  // The sensor's last reading (degrees), if any.
  std::optional<double> temperature_c() const;

 private:
  bool ready() const;

  std::array<ThermalLag, kThermalLagsS.size()> lags_;
  std::array<double, kThermalLagsS.size()> score_{};  // discounted log-likelihood of each lag
  ThermalLag none_{60, true};                         // no temperature at all
  double none_score_ = 0;
  size_t best_ = 0;
  int64_t last_phase_ns_ = 0;
  bool have_t0_ = false;
  double t0_c_ = 0;
  double last_c_ = 0;
  std::optional<ThermalCurve> restored_;  // used until the lags have learnt their own
};

}  // namespace lansync::core
