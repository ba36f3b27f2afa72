// The compensated clock; see clock_compensated.hpp.
#include "os/clock_compensated.hpp"

namespace lansync::os {

Status CompensatedClock::step(int64_t offset_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  Status st = inner_.step(offset_ns);
  if (st) ledger_.step(monotonic_(), offset_ns);
  return st;
}

Status CompensatedClock::slew(int64_t offset_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  Status st = inner_.slew(offset_ns);
  if (st) ledger_.step(monotonic_(), offset_ns);
  return st;
}

OsResult<KernelSyncStatus> CompensatedClock::sync_status() {
  std::lock_guard<std::mutex> lock(mutex_);
  auto st = inner_.sync_status();
  if (st) st->frequency_ppm -= comp_ppm_;
  return st;
}

Status CompensatedClock::discipline(double frequency_ppm, int64_t max_error_ns, int64_t est_error_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  Status st = inner_.discipline(frequency_ppm + comp_ppm_, max_error_ns, est_error_ns);
  if (!st) return st;
  set_ = disciplined_ = true;
  users_ppm_ = frequency_ppm;
  est_error_ns_ = est_error_ns;
  ledger_.set_frequency(monotonic_(), frequency_ppm + comp_ppm_);
  return st;
}

Status CompensatedClock::set_frequency(double ppm) {
  std::lock_guard<std::mutex> lock(mutex_);
  Status st = inner_.set_frequency(ppm + comp_ppm_);
  if (!st) return st;
  set_ = true;
  disciplined_ = false;
  users_ppm_ = ppm;
  ledger_.set_frequency(monotonic_(), ppm + comp_ppm_);
  return st;
}

Status CompensatedClock::compensate(double ppm) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (ppm == comp_ppm_) return ok();
  return apply(ppm);
}

Status CompensatedClock::apply(double comp_ppm) {
  if (!set_) {
    auto now = inner_.sync_status();
    if (!now) return fail(now.error());
    users_ppm_ = now->frequency_ppm - comp_ppm_;
    set_ = true;
  }
  Status st = ok();
  if (disciplined_) {
    // The kernel's error bound as it has grown since, not as it was set.
    auto now = inner_.sync_status();
    if (!now) return fail(now.error());
    st = inner_.discipline(users_ppm_ + comp_ppm, now->max_error_ns, est_error_ns_);
  } else {
    st = inner_.set_frequency(users_ppm_ + comp_ppm);
  }
  if (!st) return st;
  comp_ppm_ = comp_ppm;
  ledger_.set_frequency(monotonic_(), users_ppm_ + comp_ppm);
  return st;
}

double CompensatedClock::compensation_ppm() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return comp_ppm_;
}

int64_t CompensatedClock::corrections_ns(int64_t now_mono_ns) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return ledger_.total_ns(now_mono_ns);
}

}  // namespace lansync::os
