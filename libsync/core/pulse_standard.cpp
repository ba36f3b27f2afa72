// A steady oscillator's pulse as the crystal's frequency standard; see pulse_standard.hpp.
#include "core/pulse_standard.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "codec/timestamp.hpp"
#include "core/refclock.hpp"
#include "core/regression.hpp"

namespace lansync::core {
namespace {

constexpr double kPulseNsPerS = static_cast<double>(codec::kNsPerSecond);

// Where in its second phase_ns falls, within half a second either way.
int64_t into_second_ns(int64_t phase_ns) {
  int64_t into = phase_ns % codec::kNsPerSecond;
  if (into < 0) into += codec::kNsPerSecond;
  return into >= codec::kNsPerSecond / 2 ? into - codec::kNsPerSecond : into;
}

}  // namespace

bool PulseStandard::add(int64_t t_ns, int64_t crystal_ns) {
  if (!edges_.empty() && t_ns <= edges_.back().t_ns) return false;
  if (!edges_.empty() && static_cast<double>(t_ns - edges_.back().t_ns) > kPulseGapS * kPulseNsPerS)
    restart();
  int64_t raw_ns = into_second_ns(crystal_ns);
  // The second the edge is in: the one nearest where the edges before put it.
  double expected_ns = static_cast<double>(raw_ns);
  // How far from expected_ns an edge may be: before a fit, the last edge's phase is the guess, and
  // the crystal may have run up to kMaxPulseCorrectionPpm away from it since.
  double tolerance_ns = static_cast<double>(kPulseJumpNs);
  if (fit_) {
    expected_ns = fit_->phase_ns + fit_->slope_ppm * 1e-6 * static_cast<double>(t_ns - fit_->t_ns);
  } else if (!edges_.empty()) {
    expected_ns = edges_.back().phase_ns;
    tolerance_ns += kMaxPulseCorrectionPpm * 1e-6 * static_cast<double>(t_ns - edges_.back().t_ns);
  }
  double phase_ns = static_cast<double>(lock_to_second(raw_ns, std::llround(expected_ns)));
  if (!edges_.empty() && std::fabs(phase_ns - expected_ns) > tolerance_ns) {
    if (++jumps_ < kPulseJumps) return false;
    restart();  // the pulse moved: a new line from this edge
    phase_ns = static_cast<double>(raw_ns);
  }
  jumps_ = 0;
  edges_.push_back({t_ns, phase_ns});
  if (edges_.size() > kPulseWindow) edges_.pop_front();
  refit();
  return true;
}

void PulseStandard::refit() {
  if (edges_.size() < kPulseMinEdges) return;
  // Centred on the last edge, so that the numbers stay small.
  const Edge& last = edges_.back();
  std::vector<double> x, y;
  x.reserve(edges_.size());
  y.reserve(edges_.size());
  for (const Edge& e : edges_) {
    x.push_back(static_cast<double>(e.t_ns - last.t_ns) / kPulseNsPerS);
    y.push_back(e.phase_ns - last.phase_ns);
  }
  auto f = fit_line(x, y);
  if (!f) return;  // distinct times, finite phases: not reached
  fit_ = Fit{last.t_ns, last.phase_ns + f->intercept, f->slope * 1e-3, f->residual_rms};
  if (!reference_ppm_) reference_ppm_ = fit_->slope_ppm;
  if (!line_) line_ = Line{last.t_ns, fit_->phase_ns + applied_phase_ns(last.t_ns)};
}

std::optional<double> PulseStandard::correction_ppm(int64_t now_ns) const {
  if (!fit_ || !line_ || !reference_ppm_) return std::nullopt;
  double crystal_ns = fit_->phase_ns + fit_->slope_ppm * 1e-6 * static_cast<double>(now_ns - fit_->t_ns);
  double line_ns = line_->phase_ns + *reference_ppm_ * 1e-6 * static_cast<double>(now_ns - line_->t_ns);
  double off_line_ns = crystal_ns + applied_phase_ns(now_ns) - line_ns;
  // ns per s off the line to take out, as ppm: 1 ns/s is 1e-3 ppm.
  double ppm = -(fit_->slope_ppm - *reference_ppm_) - off_line_ns / kPulseSettleS * 1e-3;
  return std::clamp(ppm, -kMaxPulseCorrectionPpm, kMaxPulseCorrectionPpm);
}

void PulseStandard::applied(int64_t t_ns, double ppm) {
  applied_phase_ns_ = applied_phase_ns(t_ns);
  applied_t_ns_ = t_ns;
  applied_ppm_ = ppm;
}

double PulseStandard::applied_phase_ns(int64_t t_ns) const {
  return applied_phase_ns_ + applied_ppm_ * 1e-6 * static_cast<double>(t_ns - applied_t_ns_);
}

bool PulseStandard::locked(int64_t now_ns) const {
  return fit_ && !edges_.empty() &&
         static_cast<double>(now_ns - edges_.back().t_ns) <= kPulseGapS * kPulseNsPerS;
}

void PulseStandard::restart() {
  edges_.clear();
  fit_.reset();
  line_.reset();
  jumps_ = 0;
  ++restarts_;
}

}  // namespace lansync::core
