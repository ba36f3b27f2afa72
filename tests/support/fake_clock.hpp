// A clock for tests: time moves only when the test says, and steps and slews are recorded, not done.
//
// It keeps two times: what the clock shows (now_ns(), moved by step() and
// set()) and the time that really passed (monotonic_ns(), moved only by
// advance() and sleep_ns()), which emulated devices keep their own time by.
// Its boot (boot_stamp()) is boot_id with CLOCK_BOOTTIME = boot_time_base_ns
// plus that real time; reboot() starts another boot.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "os/clock.hpp"

namespace lansync::testing {

class FakeClock final : public os::Clock {
 public:
  explicit FakeClock(int64_t now_ns = 1'767'225'600'000'000'000) : now_ns_(now_ns) {}

  int64_t now_ns() override { return now_ns_; }
  os::Status step(int64_t offset_ns) override {
    if (fail_changes) return os::code_error(std::errc::operation_not_permitted, "cannot step");
    steps.push_back(offset_ns);
    now_ns_ += offset_ns;
    return os::ok();
  }
  os::Status slew(int64_t offset_ns) override {
    if (fail_changes) return os::code_error(std::errc::operation_not_permitted, "cannot slew");
    slews.push_back(offset_ns);
    return os::ok();
  }
  os::OsResult<os::KernelSyncStatus> sync_status() override { return status; }
  os::Status discipline(double frequency_ppm, int64_t max_error_ns, int64_t) override {
    if (fail_changes) return os::code_error(std::errc::operation_not_permitted, "cannot discipline");
    disciplines.push_back(frequency_ppm);
    status.frequency_ppm = frequency_ppm;
    status.synchronized = true;
    status.max_error_ns = max_error_ns;
    return os::ok();
  }

  os::Status set_frequency(double ppm) override {
    if (fail_changes) return os::code_error(std::errc::operation_not_permitted, "cannot set the frequency");
    frequencies.push_back(ppm);
    status.frequency_ppm = ppm;
    return os::ok();
  }
  std::vector<double> frequencies;

  std::vector<double> disciplines;  // the frequencies set, in ppm

  void sleep_ns(int64_t ns) override {
    sleeps.push_back(ns);
    if (ns > 0) advance(ns);
  }

  void advance(int64_t ns) {
    now_ns_ += ns;
    monotonic_ns_ += ns;
  }
  void set(int64_t ns) { now_ns_ = ns; }

  os::OsResult<core::BootStamp> boot_stamp() override {
    if (boot_id.empty()) return os::invalid("no boot id");
    return core::BootStamp{boot_id, boot_time_base_ns + monotonic_ns_};
  }
  // A new boot: another boot_id, CLOCK_BOOTTIME from 5 s.  The wall clock keeps its time.
  void reboot(std::string id) {
    boot_id = std::move(id);
    boot_time_base_ns = 5'000'000'000 - monotonic_ns_;
  }
  std::string boot_id = "6f1b3c2a-9d4e-4f5a-8b7c-0123456789ab";  // empty: boot_stamp() fails
  int64_t boot_time_base_ns = 60'000'000'000;                    // CLOCK_BOOTTIME at construction

  std::vector<int64_t> steps;
  std::vector<int64_t> slews;
  std::vector<int64_t> sleeps;
  os::KernelSyncStatus status;
  bool fail_changes = false;  // make step() and slew() fail with EPERM

  // Real time passed since construction: advance() and sleep_ns() move it, step() and set() do not.
  int64_t monotonic_ns() const { return monotonic_ns_; }

 private:
  int64_t now_ns_;
  int64_t monotonic_ns_ = 0;
};

}  // namespace lansync::testing
