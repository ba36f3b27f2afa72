// A steady oscillator's pulse holding the crystal's frequency in sntpd: --gps pps:PATH local.
//
// The pulse of a DS3231's square wave (or any oscillator steadier than the
// crystal) on a kernel PPS device has no time of its own, only its seconds'
// length.  PulseKeeper reads the device at every wake-up of the daemon (at
// least each second), gives each new edge to core/pulse_standard as the
// crystal's own phase (the edge on our clock, less every correction the clock
// took: os/clock_compensated's ledger), and every kPulseTuneNs puts the
// standard's correction beneath the discipline (CompensatedClock::compensate),
// as chrony's `refclock PPS local` steers the clock it does not select.  The
// servers then correct a crystal as steady as the pulse; through an outage the
// clock keeps the pulse's frequency.  Where a pulse is followed the
// temperature's correction and the day's shape are not: the pulse measures what
// they would guess.  A device that stops giving edges is said once (and again
// when they come back): the correction holds at its last value meanwhile.
// The pulse's reference is saved with the drift and restored at start, so that
// a restart (a power cut) goes on from the frequency saved.
#pragma once

#include <cstdint>
#include <string>

#include "core/pulse_standard.hpp"
#include "os/clock_compensated.hpp"
#include "os/clock_pps.hpp"
#include "status/status_snapshot.hpp"

namespace lansync::sntpd {

// The device is read this often at the latest: a pulse comes each second.
inline constexpr int64_t kPulseReadNs = 1'000'000'000;
// The correction is set again this often (chronyd's refclock poll, 16 s).
inline constexpr int64_t kPulseTuneNs = 16'000'000'000;
// A device that gave no edge this long after start is said to be silent.
inline constexpr int64_t kPulseSilentNs = 8'000'000'000;

class PulseKeeper {
 public:
  // name: as the user gave it ("pps:/dev/pps1"); clock outlives this.
  PulseKeeper(os::CompensatedClock& clock, os::PpsDevice pps, std::string name);

  // Reads the device at now_mono_ns: a new edge to the standard, and the correction set when due.
  void read(int64_t now_mono_ns);
  // When read() is due next (monotonic ns).
  int64_t next_read_ns() const { return next_read_ns_; }
  // True while the correction follows the pulse: edges come, and the clock took the correction.
  // What lets the clock claim a drift its record earned.
  bool holds(int64_t now_mono_ns) const;
  PulseSnapshot snapshot(int64_t now_mono_ns) const;
  // The crystal's frequency against the pulse the correction is reckoned from: what the drift
  // file keeps beside the frequency (ppm), and gives back at start.
  std::optional<double> reference_ppm() const { return standard_.reference_ppm(); }
  void restore(double reference_ppm) { standard_.restore(reference_ppm); }

 private:
  // A new edge, if any; a problem said once.
  void take_edge(int64_t now_mono_ns);
  // Puts the standard's correction beneath the discipline.
  void tune(int64_t now_mono_ns);
  void note_problem(const std::string& problem);

  os::CompensatedClock& clock_;
  os::PpsDevice pps_;
  std::string name_;
  core::PulseStandard standard_;
  bool edge_seen_ = false;  // the device gave an edge since start
  int64_t next_read_ns_ = 0;
  int64_t first_read_ns_ = -1;  // monotonic
  int64_t next_tune_ns_ = 0;
  double correction_ppm_ = 0;  // beneath the discipline now
  int last_restarts_ = 0;
  std::string problem_;  // the last problem said; "" while edges come
  bool compensation_failed_ = false;
};

}  // namespace lansync::sntpd
