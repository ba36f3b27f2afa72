// The simulated clock; see clock_simulated.hpp.
#include "os/clock_simulated.hpp"

#include <cmath>
#include <utility>

namespace lansync::os {

SimulatedClock::SimulatedClock(Clock& base, int64_t offset_ns, std::function<int64_t()> monotonic)
    : base_(base), monotonic_(std::move(monotonic)), offset_ns_(offset_ns) {}

int64_t SimulatedClock::offset_at(int64_t mono) const {
  // The frequency set runs the clock faster (positive) since it was set.
  int64_t since_ns = mono > frequency_start_mono_ ? mono - frequency_start_mono_ : 0;
  int64_t gained = std::llround(frequency_ppm_ * 1e-6 * static_cast<double>(since_ns));
  if (slew_ns_ == 0) return offset_ns_ + gained;
  int64_t elapsed_ns = mono > slew_start_mono_ ? mono - slew_start_mono_ : 0;
  // Done so far at 500 ppm: 0.5 us for each ms elapsed.
  int64_t done = elapsed_ns / 1'000'000 * kSlewRatePpm;
  int64_t magnitude = slew_ns_ < 0 ? -slew_ns_ : slew_ns_;
  if (done > magnitude) done = magnitude;
  return offset_ns_ + gained + (slew_ns_ < 0 ? -done : done);
}

void SimulatedClock::start_slew(int64_t offset_ns, int64_t mono) {
  // A new slew replaces the one in progress, as adjtime() does: keep what was done.
  offset_ns_ = offset_at(mono);
  frequency_start_mono_ = mono;
  slew_ns_ = offset_ns;
  slew_start_mono_ = mono;
}

void SimulatedClock::change_frequency(double ppm, int64_t mono) {
  // What the old frequency gained so far stays; the new one counts from now.
  int64_t since_ns = mono > frequency_start_mono_ ? mono - frequency_start_mono_ : 0;
  offset_ns_ += std::llround(frequency_ppm_ * 1e-6 * static_cast<double>(since_ns));
  frequency_start_mono_ = mono;
  frequency_ppm_ = ppm;
}

int64_t SimulatedClock::now_ns() {
  int64_t base = base_.now_ns();
  std::lock_guard<std::mutex> lock(mutex_);
  return base + offset_at(monotonic_());
}

int64_t SimulatedClock::from_system_ns(int64_t system_ns) {
  int64_t base = base_.from_system_ns(system_ns);
  std::lock_guard<std::mutex> lock(mutex_);
  return base + offset_at(monotonic_());
}

int64_t SimulatedClock::offset_ns() {
  std::lock_guard<std::mutex> lock(mutex_);
  return offset_at(monotonic_());
}

Status SimulatedClock::step(int64_t offset_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  // The slew in progress goes on from the new time, as it does in the kernel.
  int64_t mono = monotonic_();
  int64_t remaining = slew_ns_ == 0 ? 0 : slew_ns_ - (offset_at(mono) - offset_ns_);
  offset_ns_ = offset_at(mono) + offset_ns;
  frequency_start_mono_ = mono;
  slew_ns_ = remaining;
  slew_start_mono_ = mono;
  return ok();
}

Status SimulatedClock::slew(int64_t offset_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  start_slew(offset_ns, monotonic_());
  return ok();
}

OsResult<KernelSyncStatus> SimulatedClock::sync_status() {
  std::lock_guard<std::mutex> lock(mutex_);
  int64_t mono = monotonic_();
  KernelSyncStatus s;
  s.synchronized = synchronized_;
  if (synchronized_) {
    // The kernel's maximum error grows at 500 ppm between updates.
    int64_t since_ns = mono > disciplined_mono_ ? mono - disciplined_mono_ : 0;
    s.max_error_ns = max_error_ns_ + since_ns / 1'000'000 * kSlewRatePpm;
    s.est_error_ns = est_error_ns_;
  }
  s.offset_ns = slew_ns_ - (offset_at(mono) - offset_ns_);
  s.frequency_ppm = frequency_ppm_;
  return s;
}

Status SimulatedClock::set_frequency(double ppm) {
  if (!(std::fabs(ppm) <= kMaxFrequencyPpm)) return invalid("frequency beyond the kernel's ±500 ppm");
  std::lock_guard<std::mutex> lock(mutex_);
  change_frequency(ppm, monotonic_());
  return ok();
}

Status SimulatedClock::discipline(double frequency_ppm, int64_t max_error_ns, int64_t est_error_ns) {
  if (!(std::fabs(frequency_ppm) <= kMaxDisciplinePpm)) return invalid("frequency beyond the kernel's ±10 %");
  std::lock_guard<std::mutex> lock(mutex_);
  int64_t mono = monotonic_();
  change_frequency(frequency_ppm, mono);
  synchronized_ = true;
  max_error_ns_ = max_error_ns;
  est_error_ns_ = est_error_ns;
  disciplined_mono_ = mono;
  return ok();
}

}  // namespace lansync::os
