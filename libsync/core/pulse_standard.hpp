// A steady oscillator's pulse as the crystal's frequency standard: chrony's `refclock PPS local`.
//
// A DS3231's square wave on a GPIO (a TCXO: within a ppm or two over a year),
// or any pulse from an oscillator steadier than the Pi's crystal, says nothing
// of the time: only how long a second is.  PulseStandard takes the crystal's
// own phase at each edge (the clock's reading less every correction the clock
// took: os/clock_compensated's ledger), each edge in the second nearest where
// the edges before say it falls (the pulse locked to itself, as chronyd's
// local refclock is), and fits a line to the last kPulseWindow edges: the
// crystal's frequency against the pulse now.
//
// Its correction keeps the crystal, plus the correction's own phase, on one
// line against the pulse: the line it was on at the first fit.  The frequency
// the fit moved since that fit is taken out at once, the phase gone off the
// line over kPulseSettleS.  Put beneath the discipline (as the temperature's
// correction is), it leaves the discipline a crystal as steady as the pulse:
// what the room does to the crystal is gone, and what the servers still
// correct is the pulse's own error, a constant.  The pulse restarts (a new
// line, its frequency kept) after kPulseGapS without an edge, or when
// kPulseJumps edges in a row fall more than kPulseJumpNs from the line's
// prediction (a pulse that moved, or another one).  The crystal's frequency
// against the pulse at the first fit (the reference) is what the correction is
// reckoned from: kept with the drift, a restart goes on from it, so that the
// frequency saved beside it still holds however the crystal moved meanwhile.
// Pure: times are monotonic ns, passed in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace lansync::core {

// Edges in the fit: a minute's, enough to take a microsecond's jitter down to 0.01 ppm.
inline constexpr size_t kPulseWindow = 64;
// Edges before the first fit is used.
inline constexpr size_t kPulseMinEdges = 16;
// The phase gone off the line is taken out over this (s).
inline constexpr double kPulseSettleS = 32;
// No edge for this long (s): the pulse restarts.
inline constexpr double kPulseGapS = 8;
// An edge this far from where the line puts it (ns) is not taken; kPulseJumps in a row restart it.
inline constexpr int64_t kPulseJumpNs = 1'000'000;
inline constexpr int kPulseJumps = 4;
// The most the correction may be (ppm): a crystal moves tens of ppm over its whole range; a pulse
// that says more is not a second.
inline constexpr double kMaxPulseCorrectionPpm = 100;

class PulseStandard {
 public:
  // An edge at monotonic t_ns: the crystal's own phase then, crystal_ns (only where in its second
  // counts).  False when it was not taken (not after the last edge, or off the line).
  bool add(int64_t t_ns, int64_t crystal_ns);
  // The correction to put beneath the discipline at now_ns (ppm, positive: the clock runs
  // faster), none while the fit has fewer than kPulseMinEdges edges since a (re)start.
  std::optional<double> correction_ppm(int64_t now_ns) const;
  // The correction in use is ppm from t_ns on (its phase is part of the line kept).
  void applied(int64_t t_ns, double ppm);
  // The crystal against the pulse that the correction is reckoned from (ppm), once known.
  std::optional<double> reference_ppm() const { return reference_ppm_; }
  // A reference saved by an earlier run, taken before the first fit (ignored after it).
  void restore(double reference_ppm) {
    if (!fit_) reference_ppm_ = reference_ppm;
  }

  // The crystal against the pulse, from the fit (ppm, positive: the crystal is fast); none before it.
  std::optional<double> crystal_ppm() const {
    return fit_ ? std::optional<double>(fit_->slope_ppm) : std::nullopt;
  }
  // The edges' scatter about the fit (ns, RMS): the pulse's and the interrupt's jitter.
  double jitter_ns() const { return fit_ ? fit_->residual_ns : 0; }
  size_t edges() const { return edges_.size(); }
  int restarts() const { return restarts_; }
  // The edges are coming: the last within kPulseGapS of now_ns and a fit made since the last restart.
  bool locked(int64_t now_ns) const;

 private:
  struct Edge {
    int64_t t_ns;
    double phase_ns;  // the crystal's, unwrapped to the edges before
  };
  struct Fit {
    int64_t t_ns;        // the last edge's time
    double phase_ns;     // the line's phase at t_ns
    double slope_ppm;    // the crystal against the pulse
    double residual_ns;  // RMS about the line
  };
  struct Line {
    int64_t t_ns;     // where it was anchored
    double phase_ns;  // the crystal's phase plus the correction's there
  };
  // Forgets the edges and the line (the reference frequency stays).
  void restart();
  // The correction's phase at t_ns (ns), from its last change on.
  double applied_phase_ns(int64_t t_ns) const;
  void refit();

  std::deque<Edge> edges_;
  std::optional<Fit> fit_;
  std::optional<Line> line_;
  std::optional<double> reference_ppm_;  // the crystal against the pulse at the first fit
  int jumps_ = 0;                        // edges off the line in a row
  int restarts_ = 0;
  double applied_ppm_ = 0;
  int64_t applied_t_ns_ = 0;
  double applied_phase_ns_ = 0;  // the correction's phase up to applied_t_ns_
};

}  // namespace lansync::core
