// How sntpd follows its upstream servers: their selection, the correction it asks for, the reference they
// give.
//
// After each sample (or change of reach) the servers are combined again
// (core::select_upstreams: majority, --min-sources, the first-sync agreement
// rule).  A selection that counts asks the clock for a correction: a step
// only before the first sync, beyond --step-threshold; else the discipline's
// (core/discipline: the frequency and the slew of the offset, as chronyd's),
// returned as an UpstreamAction for the caller to apply (upstream_clock.hpp);
// once it reports the clock took it, every source's samples follow the
// correction and the system peer is the reference served.  A clock that refused is never
// followed again.  Without clock control (another daemon keeps the clock), the
// selection is followed as it stands.  The sources themselves (one
// core::UpstreamSource per address polled) are Upstreams'; each call gets them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/upstream.hpp"
#include "status/status_snapshot.hpp"

namespace lansync::os {
class Clock;
}

namespace lansync::sntpd {

// What a new selection (or the end of a slew) asks of the clock, with what applying it needs.
struct UpstreamAction {
  core::Discipline discipline;        // a step, or the frequency to set (core/discipline)
  core::UpstreamReference reference;  // the system peer selected
  size_t system_peer = 0;             // its index among the sources
  std::string source;                 // "ntp:ADDRESS": the sync-state record's source
  int64_t distance_ns = 0;            // the reference's root distance: root delay / 2 + root dispersion
  int64_t jitter_ns = 0;              // the system peer's jitter
  bool first = false;                 // the first correction since start
  // An update's measurement: the system peer's newest offset as the clock reads now (the slew in
  // progress not taken as done; positive: the peer ahead) and its standard error.  What the
  // crystal's temperature curve learns from (thermal/thermal_keeper.hpp); 0 error: none.
  int64_t measured_offset_ns = 0;
  int64_t measured_error_ns = 0;
};

// The rules the follower applies (sntpd's options).
struct FollowRules {
  bool clock_control = true;                  // false: --no-clock-control, the selection is followed as is
  int64_t step_threshold_ns = 1'000'000'000;  // --step-threshold
  int64_t max_change_ns = 0;                  // --max-change, after the first sync; 0: no limit
  size_t min_sources = 1;                     // --min-sources
};

class UpstreamFollower {
 public:
  explicit UpstreamFollower(FollowRules rules) : rules_(rules) {}

  // Combines the sources again at now_ns (a reach, a sample of sources[updated] or the set of
  // sources changed: renumbered, so the system peer is chosen afresh).
  void reselect(const std::vector<core::UpstreamSource>& sources, int64_t now_ns, size_t updated = SIZE_MAX);
  void renumbered() { peer_choice_.reset(); }
  // Combines them after a new sample from sources[from]; the correction the selection asks for, if
  // any (its source left for the caller to name).  As chronyd does, the clock is corrected only for
  // a sample of the system peer (or before the first correction): another server's sample moves
  // the selection and the reference served, not the clock, else a slew would be planned over the
  // second or two between two servers' replies.  now_mono_ns: the monotonic clock, which slews are
  // timed on.
  std::optional<UpstreamAction> update(const std::vector<core::UpstreamSource>& sources, size_t from,
                                       int64_t now_ns, int64_t now_mono_ns);
  // The outcome of applying a (done: the clock took it); the sources' samples move with it.  The
  // shift they moved by, for what else holds samples of the clock (a receiver's readings); none
  // when the clock refused or only ended a slew.
  std::optional<core::SampleShift> applied(const UpstreamAction& a, bool done,
                                           std::vector<core::UpstreamSource>& sources, int64_t now_ns,
                                           int64_t now_mono_ns);
  // The frequency the clock starts with (the drift file's, restored) before the first correction.
  void start_from(double frequency_ppm);
  // When the slew in progress is due to end (monotonic ns); INT64_MAX: none.
  int64_t slew_due_ns() const { return clock_failed_ ? INT64_MAX : loop_.slew_end_mono_ns(); }
  // The correction the end of the slew asks for (the frequency back to its base, or on for what is left).
  UpstreamAction end_slew(int64_t now_mono_ns) const;
  // The offset still being slewed at now (positive: the clock moves forward): a sample taken now
  // is on the clock as corrected so far once this is taken off its offset.
  int64_t remaining_ns(int64_t now_mono_ns) const { return loop_.remaining_ns(now_mono_ns); }
  // The clock's frequency without the slew (the drift file's); its error bound.
  double base_frequency_ppm() const { return loop_.base_ppm(); }
  double frequency_skew_ppm() const { return loop_.skew_ppm(); }
  // The source followed (index into the sources), while the selection holds.
  std::optional<size_t> system_peer() const {
    return selection_.ok ? std::optional<size_t>(selection_.system_peer) : std::nullopt;
  }

  // The reference the servers give (kept, with its age, after they go silent:
  // holdover), or nothing if never followed or if the clock could not be corrected.
  // Its dispersion grows by the frequency's error bound while the clock is ours.
  std::optional<core::UpstreamReference> reference() const {
    std::optional<core::UpstreamReference> r = reference_;
    if (r && rules_.clock_control) r->frequency_skew_ppm = loop_.skew_ppm();
    return r;
  }
  // True once the clock was corrected (or, without clock control, followed): the first-sync rules are over.
  bool synced() const { return corrected_once_ || (!rules_.clock_control && reference_.has_value()); }
  // True once the kernel discipline has been fed by us: its frequency is ours to save.
  bool disciplined() const { return corrected_once_ && !clock_failed_; }
  // How the sources were last combined.
  const core::UpstreamSelection& selection() const { return selection_; }
  // The offset of the last selection that counted (positive: our clock is behind).
  int64_t last_offset_ns() const { return last_offset_ns_; }
  // The last selection as the status report shows it, with why it gives no correction.
  SelectionSnapshot snapshot() const;
  // The rules a new sample is judged by (core::UpstreamSource::on_sample).
  core::SampleRules sample_rules() const { return {synced(), rules_.max_change_ns}; }

 private:
  // r with what the slew in progress has still to correct added to its dispersion: the samples
  // count it as done, the clock has not done it yet.
  core::UpstreamReference with_slew(core::UpstreamReference r, int64_t now_mono_ns) const;
  // The peer's newest sample into a (measured_offset_ns, measured_error_ns).
  void measure(const core::UpstreamSource& peer, int64_t now_mono_ns, UpstreamAction& a) const;

  FollowRules rules_;
  core::UpstreamSelection selection_;
  core::PeerChoice peer_choice_;  // keeps the system peer as chronyd does
  std::optional<core::UpstreamReference> reference_;
  bool corrected_once_ = false;
  bool clock_failed_ = false;
  int64_t last_offset_ns_ = 0;
  core::ClockLoop loop_;
};

// What Upstreams' parts (UpstreamServers, UpstreamReceivers) act on without owning it: the
// sources in one vector for the selection (the servers' first, then the receivers'), their
// follower and the clock (read, never set).  Made for each call, never kept: Upstreams may move.
struct UpstreamContext {
  os::Clock& clock;
  std::vector<core::UpstreamSource>& sources;
  UpstreamFollower& follower;
};

}  // namespace lansync::sntpd
