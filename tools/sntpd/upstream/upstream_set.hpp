// The --upstream servers as the daemon runs them: Upstreams behind a lock, polled from the event loop.
//
// Upstreams (upstreams.hpp) polls the servers and says how the clock should
// follow them; it runs in the main thread.  This part registers its sockets,
// its resolver and its schedule with the event loop, applies each correction
// they ask for (upstream_clock.hpp), lets the reference keeper and the status
// report read it (on the event loop's thread too) under its lock, and saves the
// frequency it taught the clock to --drift-file hourly and at stop.  With a
// temperature sensor (--temperature) it also reads it and lets the crystal's
// curve learn from each update (thermal/thermal_keeper.hpp); the curve is
// saved with the drift.  Without one, the frequency's day is recorded and followed
// through an outage (thermal/shape_keeper.hpp).  With a steady oscillator's pulse
// (--gps pps:PATH local) the crystal follows the pulse instead of either
// (thermal/pulse_keeper.hpp).  Lock order: the reference keeper's lock, then this
// one; never the other way.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/holdover.hpp"
#include "core/reference.hpp"
#include "event_loop.hpp"
#include "os/clock.hpp"
#include "status/status_snapshot.hpp"
#include "thermal/pulse_keeper.hpp"
#include "thermal/shape_keeper.hpp"
#include "thermal/thermal_keeper.hpp"
#include "upstream/upstream_clock.hpp"

namespace lansync::sntpd {

class Upstreams;

// What holds the crystal's frequency beneath the discipline; at most one of them is there.
struct FrequencyKeepers {
  std::unique_ptr<ThermalKeeper> thermal;  // its temperature, learnt (--temperature)
  std::unique_ptr<ShapeKeeper> shape;      // without a sensor: the day's shape through an outage
  std::unique_ptr<PulseKeeper> pulse;      // a steady oscillator's pulse (--gps pps:PATH local)
};

class UpstreamSet {
 public:
  // drift_file: where to save the clock's frequency ("" = nowhere); state_path: the sync-state
  // file each correction is recorded in ("" = none); keepers: what holds the crystal's frequency
  // (none where the clock is not ours).
  UpstreamSet(os::Clock& clock, std::unique_ptr<Upstreams> upstreams, std::string drift_file,
              std::string state_path, FrequencyKeepers keepers = {});
  ~UpstreamSet();

  // Polls the servers when due and reads their replies as they come; after replies
  // were read, calls after_read (the reference is re-chosen there).  Saves the drift hourly.
  void attach(EventLoop& loop, std::function<void()> after_read);
  // The clock's frequency without the slew, the offset still to slew (positive: the clock is
  // behind) and how well both are known, while sntpd disciplines it; none otherwise.  Thread-safe.
  struct Tracking {
    double base_ppm = 0;
    int64_t remaining_ns = 0;
    double skew_ppm = 0;          // the frequency's error bound
    int64_t offset_ns = 0;        // the last offset to the servers selected
    int64_t offset_error_ns = 0;  // the system peer's estimated offset: its standard error
    int64_t poll_s = 0;           // the system peer's poll interval
    double drift_bound_ppm =
        proto::kPhiPpm;                    // how fast the served dispersion grows beside skew: PHI or earned
    double holdover_ppm = 0;               // the day's change followed beneath the discipline (no sensor)
    std::optional<double> ramp_ppm_per_h;  // the system peer's filter follows the frequency's ramp
  };
  std::optional<Tracking> tracking();
  // Writes the clock's frequency to the drift file, once the discipline is ours.  Thread-safe.
  void save_drift();

  // Whether sntpd serves synchronized time now (Upstreams::set_clock_trusted).  Thread-safe, takes no lock.
  void set_clock_trusted(bool trusted);
  // True once sntpd corrects the clock itself (the kernel's status is then ours).  Thread-safe.
  bool controls_clock();
  // The reference the servers give (Upstreams::reference).  Thread-safe.
  std::optional<core::UpstreamReference> reference();
  // Runs f with the servers' polling held off (a phone steps the clock in it).  Thread-safe.
  void hold(const std::function<void()>& f);
  // The servers, the last offset measured and how they were combined (none
  // without servers), for the status report.  Thread-safe.
  void describe(std::vector<UpstreamSnapshot>& servers, std::optional<int64_t>& last_offset_ns,
                std::optional<SelectionSnapshot>& selection);
  // The crystal's temperature and its curve, with a sensor.  Thread-safe.
  std::optional<TemperatureSnapshot> thermal();
  // The pulse the crystal follows, with one.  Thread-safe.
  std::optional<PulseSnapshot> pulse();

 private:
  // Polls the servers and applies the corrections they ask for, one by one.
  void poll_locked();
  // After a step: the kernel told the clock is synchronized, by the reference after it
  // (UpstreamClock::mark_synchronized).
  void mark_stepped_locked(const UpstreamAction& a);
  void save_drift_locked();
  // How far the crystal may move from the frequency set (ppm): what the record earned while the
  // temperature's or the pulse's correction holds, else PHI.
  double drift_bound_locked(int64_t now_mono_ns) const;
  // The temperature's or the pulse's correction holds the crystal now.
  bool held_locked(int64_t now_mono_ns) const;

  std::string drift_file_;
  std::mutex mutex_;  // upstreams_ and drift_save_failed_: each call whole
  std::unique_ptr<Upstreams> upstreams_;
  UpstreamClock corrections_;  // applies what upstreams_ asks of the clock
  std::unique_ptr<ThermalKeeper> thermal_;
  std::unique_ptr<ShapeKeeper> shape_;
  std::unique_ptr<PulseKeeper> pulse_;
  core::FrequencyRecord frequencies_;  // the frequency each update set: what a held one may earn
  bool drift_save_failed_ = false;     // warned once until a save works again
};

}  // namespace lansync::sntpd
