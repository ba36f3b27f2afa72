// A clock whose frequency carries a compensation its users never see: the crystal's temperature.
//
// chrony puts its tempcomp beneath the local clock: the discipline sets the
// frequency it wants, the compensation is added on the way to the kernel, and
// the frequency read back is the discipline's own.  CompensatedClock does the
// same for any Clock: discipline() and set_frequency() pass their frequency
// plus compensation_ppm() on, sync_status() gives it back without it, and
// compensate() changes it at once, keeping the kernel's status and error
// bound as they are.  Every frequency that reaches the inner clock and every
// step is written in a CorrectionLedger, so that the clock's free-running
// phase (what the crystal alone did) can be told from any offset measured:
// offset + ledger().total_ns(now).  Times of the ledger are monotonic ns.
// Thread-safe as the inner clock is: the workers only read the time.
#pragma once

#include <functional>
#include <mutex>

#include "core/thermal.hpp"
#include "os/clock.hpp"

namespace lansync::os {

class CompensatedClock final : public Clock {
 public:
  // inner outlives this; monotonic: the ledger's time.
  explicit CompensatedClock(Clock& inner, std::function<int64_t()> monotonic = monotonic_ns)
      : inner_(inner), monotonic_(std::move(monotonic)) {}

  int64_t now_ns() override { return inner_.now_ns(); }
  int64_t from_system_ns(int64_t system_ns) override { return inner_.from_system_ns(system_ns); }
  Status step(int64_t offset_ns) override;
  // adjtime()'s slew is the kernel's to finish: the ledger counts it whole at once.
  Status slew(int64_t offset_ns) override;
  OsResult<KernelSyncStatus> sync_status() override;
  Status discipline(double frequency_ppm, int64_t max_error_ns, int64_t est_error_ns) override;
  Status set_frequency(double ppm) override;
  OsResult<core::BootStamp> boot_stamp() override { return inner_.boot_stamp(); }
  void sleep_ns(int64_t ns) override { inner_.sleep_ns(ns); }

  // Changes the compensation to ppm (positive: the clock runs faster), the frequency its users set
  // kept: the inner clock's frequency moves by the difference, its status and error bound stay.
  Status compensate(double ppm);
  double compensation_ppm() const;
  // The clock beneath (what status calls the clock: system or simulated).
  Clock& inner() { return inner_; }
  // The time every correction so far (the compensation's too) moved the clock's reading by, at
  // now_mono_ns: an offset measured then plus this is the crystal's own phase.
  int64_t corrections_ns(int64_t now_mono_ns) const;

 private:
  // Sets the inner clock to the users' frequency plus comp, as they last set it (or, before they
  // did, from the frequency it has); notes it in the ledger.
  Status apply(double comp_ppm);

  Clock& inner_;
  std::function<int64_t()> monotonic_;
  mutable std::mutex mutex_;
  core::CorrectionLedger ledger_;
  double comp_ppm_ = 0;       // in the inner clock's frequency now
  bool set_ = false;          // the users set a frequency (else it is the inner clock's, less comp_ppm_)
  bool disciplined_ = false;  // their last set was discipline(), with this estimated error
  double users_ppm_ = 0;
  int64_t est_error_ns_ = 0;
};

}  // namespace lansync::os
