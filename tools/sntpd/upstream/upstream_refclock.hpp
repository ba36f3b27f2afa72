// A GPS receiver followed through gpsd's shared memory (--gps shm:N) or its pulse per second on a
// kernel PPS device (--gps pps:/dev/ppsN), as one more upstream source.
//
// gpsd writes the receiver's time (or the pulse per second it timed) into
// an NTP SHM segment about once a second (os/clock_shm); the kernel
// timestamps each pulse's edge (os/clock_pps).  A pulse says where a second starts,
// not which one: the second is the one a receiver's time names (chronyd's
// `lock`: the receiver's reading, as late as it was learned to be, or
// kUnlearnedLatenessNs before that), or, while an NTP server is the system
// peer or no receiver has a fresh reading, the one nearest the edge on sntpd's
// clock once that is known to within kPpsLockNs.  With neither, the pulse's
// edges are not taken: a pulse with no second is not a time.  A receiver a
// second off after a cold start takes its pulse there and back, as chronyd's
// does; while the pulse answers the receiver's own time does not vote
// (UpstreamReceivers sets it noselect), so beside a server the two disagree and
// nothing is served as synchronized until the receiver comes right.
// This part reads its device at every wake-up of the daemon (at least each
// second), takes each new record into a filter
// (core/refclock: the mean of the middle 60 % of the readings) and, at each
// poll of its core::UpstreamSource (a burst at start, then every 16 s),
// gives the poll's mean as a sample: stratum 0, no root delay, a root
// dispersion of the receiver's stated error (--gps ... error S, else the
// segment's precision) plus the readings' spread.  The source then goes
// through the same selection and discipline as the NTP servers, so a GPS
// that says a time the servers refuse is outvoted as any falseticker, and
// sntpd serves stratum 1 with refid GPS (even segments: a receiver's time) or
// PPS (odd ones: the pulse gpsd timed, gpsd's own convention, and a PPS device).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/refclock.hpp"
#include "core/upstream.hpp"
#include "os/clock.hpp"
#include "os/clock_pps.hpp"
#include "os/clock_shm.hpp"
#include "status/status_snapshot.hpp"

namespace lansync::sntpd {

class UpstreamFollower;

// One --gps reference as configured.
struct RefclockSpec {
  std::string text;      // "shm:0", "pps:/dev/pps0"
  int unit = 0;          // the SHM segment
  std::string pps_path;  // the PPS device; "" for a segment
  int64_t error_ns = 0;  // the receiver's error as the user states it; 0: the device's precision
  bool local = false;    // a steady oscillator's pulse with no time of its own (thermal/pulse_keeper)
};

// Groups the words of the --gps options: each "shm:N" (N 0 to 255) or "pps:PATH" (an absolute
// path), optionally followed by "error" and seconds (above 0, at most 1); or "pps:PATH local",
// at most one.  Error: anything else, with the reason.
os::OsResult<std::vector<RefclockSpec>> parse_refclocks(const std::vector<std::string>& words);

// Interval between reads of the segment: gpsd writes once a second.
inline constexpr int64_t kRefclockReadNs = 1'000'000'000;
// The source's poll interval, log2 s (chronyd's refclock default): 16 s of readings per sample.
inline constexpr int kRefclockPollLog2 = 4;
// A pulse's edges count while the clock is known within this (the root distance served, a bound
// on its error): inside half a second, so that the nearest whole second is the edge's own.
inline constexpr int64_t kPpsLockNs = 400'000'000;
// A PPS device's precision, log2 s, when the user states no error: the kernel's timestamp at the
// interrupt, within a microsecond or two on a Pi's GPIO.
inline constexpr int8_t kPpsPrecisionLog2 = -20;
// A receiver's reading names a pulse's second within this of it: it reads every second.
inline constexpr int64_t kSecondHintAgeNs = 3'000'000'000;

class RefclockPeer {
 public:
  RefclockPeer(RefclockSpec spec, os::ShmSegment segment, int64_t now_mono);
  RefclockPeer(RefclockSpec spec, os::PpsDevice pps, int64_t now_mono);
  // Its core source's name ("gps shm:0"), refid and sync-state source ("gps:shm0", "gps:pps").
  std::string name() const { return "gps " + spec_.text; }
  // A pulse (an odd segment, gpsd's PPS, or a PPS device: refid PPS), else a receiver's own time.
  bool pulse() const { return pps_ || spec_.unit % 2 == 1; }
  uint32_t refid() const;
  std::string source() const { return pps_ ? "gps:pps" : "gps:shm" + std::to_string(spec_.unit); }
  // When the segment is read at the latest (monotonic ns): a second after the last read.
  int64_t next_read_ns() const { return next_read_mono_ns_; }
  // Reads the segment (at each wake-up, before any correction: a reading must be cooked by the
  // slew it was taken under); a new reading goes into the filter on the clock as corrected so far
  // (remaining_at: the offset still to slew at a monotonic time, added as Upstreams does to T4).
  // A pulse's edges are locked to the second that second_at(edge's local ns) gives
  // (core::lock_to_second; none: not taken).
  template <class Remaining, class SecondAt>
  void read(os::Clock& clock, int64_t now_mono, const Remaining& remaining_at, const SecondAt& second_at);
  // A receiver's own time: the offset its last reading says our clock has at local_ns, as late as
  // it was learned to be (kUnlearnedLatenessNs before); none for a pulse, or when that reading is
  // more than kSecondHintAgeNs away from local_ns.
  std::optional<int64_t> second_at(int64_t local_ns) const;
  // The source's poll came (its next_poll_ns() passed): its sample, if any reading came since the
  // last, for the source to take (core::UpstreamSource::take_reading).
  std::optional<core::UpstreamSample> next_sample();
  // Logs what its source s made of a poll.
  void log(const core::UpstreamSource& s, const core::SourceAction& a) const;
  // A receiver's own time: its poll's sample u corrected by the offset learned against a pulse
  // (core::ReceiverOffset), given pulse_offset_ns, a pulse's offset at u's time when one is
  // followed; what the pulse still finds u off by after that goes into u's root dispersion.  A
  // difference of a second or more is a wrong second, logged once, never learned.
  void correct(core::UpstreamSample& u, std::optional<int64_t> pulse_offset_ns);
  // A correction was made at when_ns: the readings not yet taken follow it.
  void shift(const core::SampleShift& c) { filter_.shift(c); }
  // Its line in the status report; it is sources[i] of follower's last selection.
  UpstreamSnapshot snapshot(const std::vector<core::UpstreamSource>& sources, size_t i,
                            const UpstreamFollower& follower, int64_t now_ns, int64_t now_mono) const;

 private:
  // Takes one record out of the segment or the device: a reading, or nothing (a problem logged once).
  // gpsd and the kernel stamp on the system clock; the reading is on clock's time scale.
  std::optional<core::RefclockSample> read_segment(os::Clock& clock);
  // A pulse's edge, its offset to the nearest second of our clock (read locks it to its second).
  std::optional<core::RefclockSample> read_pulse(os::Clock& clock);
  // Logs a problem once, until readings come again.
  void note_problem(const std::string& problem);
  // Logs a pulse's reading r locked to another second than the last one's (the receiver's time
  // named another, or a server's did).
  void note_second(const core::RefclockSample& r) const;

  RefclockSpec spec_;
  std::optional<os::ShmSegment> segment_;
  std::optional<os::PpsDevice> pps_;
  core::RefclockFilter filter_;
  int64_t next_read_mono_ns_;
  std::string last_problem_;         // the last record's problem, "" once records come
  bool last_poll_read_ = false;      // the last poll had readings: a fix, or pulses locked to a second
  core::ReceiverOffset learned_;     // a receiver's own time: how late it is against a pulse
  bool wrong_second_noted_ = false;  // a difference of a second or more was logged
};

template <class Remaining, class SecondAt>
void RefclockPeer::read(os::Clock& clock, int64_t now_mono, const Remaining& remaining_at,
                        const SecondAt& second_at) {
  next_read_mono_ns_ = now_mono + kRefclockReadNs;
  std::optional<core::RefclockSample> r = pps_ ? read_pulse(clock) : read_segment(clock);
  if (!r) return;
  // The slew still to come when the reading was taken, on the monotonic clock.
  int64_t remaining = remaining_at(now_mono - (clock.now_ns() - r->local_ns));
  r->local_ns += remaining;
  r->offset_ns -= remaining;
  if (pps_) {
    // Locked on the clock as corrected, as the receiver's readings and the clock served are.
    std::optional<int64_t> expected_ns = second_at(r->local_ns);
    if (!expected_ns) {
      note_problem("pulses, but no second to lock them to: waiting for the receiver's time or a server");
      return;
    }
    r->offset_ns = core::lock_to_second(r->offset_ns, *expected_ns);
    note_second(*r);
  }
  filter_.add(*r);
}

}  // namespace lansync::sntpd
