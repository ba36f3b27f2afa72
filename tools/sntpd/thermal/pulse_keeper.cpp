// A steady oscillator's pulse holding the crystal's frequency; see pulse_keeper.hpp.
#include "thermal/pulse_keeper.hpp"

#include <cmath>

#include "os/log.hpp"
#include "thermal/thermal_keeper.hpp"

namespace lansync::sntpd {

PulseKeeper::PulseKeeper(os::CompensatedClock& clock, os::PpsDevice pps, std::string name)
    : clock_(clock), pps_(std::move(pps)), name_(std::move(name)) {}

void PulseKeeper::read(int64_t now_mono_ns) {
  next_read_ns_ = now_mono_ns + kPulseReadNs;
  take_edge(now_mono_ns);
  if (standard_.restarts() != last_restarts_) {
    last_restarts_ = standard_.restarts();
    os::log::warn(
        "{}: the pulse was lost or moved; following it again from its next edges (its "
        "frequency kept)",
        name_);
  }
  if (now_mono_ns >= next_tune_ns_) {
    next_tune_ns_ = now_mono_ns + kPulseTuneNs;
    tune(now_mono_ns);
  }
}

void PulseKeeper::take_edge(int64_t now_mono_ns) {
  auto edge = pps_.fetch_new();
  if (!edge) {
    note_problem(edge.error().message);
    return;
  }
  if (first_read_ns_ < 0) first_read_ns_ = now_mono_ns;
  if (!*edge) {
    if (!standard_.locked(now_mono_ns) && standard_.edges() > 0) {
      note_problem("no edge for a while");
    } else if (!edge_seen_ && now_mono_ns - first_read_ns_ > kPulseSilentNs) {
      note_problem("no edge yet (is the square wave on, and wired to this device?)");
    }
    return;
  }
  edge_seen_ = true;
  // The edge on the clock's monotonic time, and the crystal's own reading then.
  int64_t at_ns = clock_.from_system_ns((*edge)->assert_ns);
  int64_t edge_mono_ns = now_mono_ns - (clock_.now_ns() - at_ns);
  if (standard_.add(edge_mono_ns, at_ns - clock_.corrections_ns(edge_mono_ns)) && !problem_.empty()) {
    os::log::info("{}: edges again", name_);
    problem_.clear();
  }
}

void PulseKeeper::tune(int64_t now_mono_ns) {
  std::optional<double> ppm = standard_.correction_ppm(now_mono_ns);
  if (!ppm || !standard_.locked(now_mono_ns)) return;  // held at its last value
  if (std::fabs(*ppm - correction_ppm_) < kThermalRetunePpm) return;
  if (std::fabs(*ppm) >= core::kMaxPulseCorrectionPpm &&
      std::fabs(correction_ppm_) < core::kMaxPulseCorrectionPpm) {
    os::log::warn(
        "{}: the crystal is {:+.0f} ppm or more from where it was against the pulse: not a "
        "steady second; the correction is held at its limit",
        name_, *ppm);
  }
  auto st = clock_.compensate(*ppm);
  if (!st && !compensation_failed_)
    os::log::warn("{}: cannot correct the clock: {}", name_, st.error().message);
  compensation_failed_ = !st;
  if (!st) return;
  if (correction_ppm_ == 0) os::log::info("{}: the crystal follows the pulse ({:+.3f} ppm)", name_, *ppm);
  correction_ppm_ = *ppm;
  standard_.applied(now_mono_ns, *ppm);
}

void PulseKeeper::note_problem(const std::string& problem) {
  if (problem != problem_) os::log::warn("{}: {}; the crystal's correction holds", name_, problem);
  problem_ = problem;
}

bool PulseKeeper::holds(int64_t now_mono_ns) const {
  return standard_.locked(now_mono_ns) && !compensation_failed_ && correction_ppm_ != 0;
}

PulseSnapshot PulseKeeper::snapshot(int64_t now_mono_ns) const {
  PulseSnapshot p;
  p.device = name_;
  p.locked = standard_.locked(now_mono_ns);
  p.problem = problem_;
  p.correction_ppm = correction_ppm_;
  p.crystal_ppm = standard_.crystal_ppm();
  p.jitter_ns = static_cast<int64_t>(std::llround(standard_.jitter_ns()));
  p.restarts = standard_.restarts();
  return p;
}

}  // namespace lansync::sntpd
