// sntpd's --gps references among the upstream sources: each receiver's device read at every
// wake-up, its poll's sample handed to its source, and the rules between a receiver's own time
// and a pulse.
//
// Each receiver or pulse is a RefclockPeer (upstream_refclock.hpp); its
// core::UpstreamSource is not kept here but in Upstreams' one vector of
// sources, after the servers' (sources[first + j] is receiver j's), since
// the selection wants them together: each call gets that vector and the
// index of the first receiver's source.  Between the two kinds: a pulse's
// edges are locked to the second a receiver's own time names (or, while a
// server is the system peer, sntpd's clock once it is known well enough);
// a receiver's own time learns its lateness against a pulse followed; and
// while a pulse answers, the receivers' own times do not vote beside it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/upstream.hpp"
#include "status/status_snapshot.hpp"
#include "upstream/upstream_follower.hpp"
#include "upstream/upstream_refclock.hpp"

namespace lansync::sntpd {

class UpstreamReceivers {
 public:
  // Adds receiver, and its source at the end of sources, polled from the receiver's first read
  // on, every 2^kRefclockPollLog2 s (at most 2^max_poll_log2).
  void add(RefclockPeer receiver, std::vector<core::UpstreamSource>& sources, int max_poll_log2);
  size_t size() const { return refclocks_.size(); }
  // What the sync-state file records as receiver j's name ("gps:shm0", "gps:pps").
  std::string source(size_t j) const { return refclocks_[j].source(); }
  // When the next read is due (monotonic ns), or INT64_MAX.
  int64_t next_read_ns() const;

  // Reads the receivers' segments and pulses: at every wake-up, before the correction it may bring.
  // Then the receivers' own times vote or not (select_receivers).  c.sources[first + j] is receiver j's.
  void read(const UpstreamContext& c, size_t first, int64_t now_mono);
  // Receiver j's poll came (sources[first + j].next_poll_ns() passed): its sample, a receiver's
  // own time corrected by a pulse followed, taken by its source under rules; what the source
  // made of it.
  core::SourceAction poll(size_t j, std::vector<core::UpstreamSource>& sources, size_t first,
                          const core::SampleRules& rules, int64_t now_mono);
  // A correction moved the sources' samples by shift: the readings not yet taken move as they did.
  void shift(const core::SampleShift& shift);
  // Each receiver's line of the status report, appended to out; sources[first + j] is receiver j's,
  // in follower's last selection.
  void status(std::vector<UpstreamSnapshot>& out, const std::vector<core::UpstreamSource>& sources,
              size_t first, const UpstreamFollower& follower, int64_t now_ns, int64_t now_mono) const;

 private:
  // A receiver's own time names its pulse's second: while a pulse answers, the receivers do not
  // vote beside it (noselect, as chronyd's NMEA source beside its PPS), so that a receiver a second
  // off after a cold start and its pulse are one voice against a server, not a majority.
  // Reselects when that changed.
  void select_receivers(const UpstreamContext& c, size_t first);
  // The offset at t_ns (Unix ns) of a pulse followed (reachable, no falseticker, its line's newest
  // sample within two polls): what a receiver's own time learns its lateness against.
  std::optional<int64_t> pulse_offset_at(const std::vector<core::UpstreamSource>& sources, size_t first,
                                         int64_t t_ns) const;

  std::vector<RefclockPeer> refclocks_;  // refclocks_[j]'s source is sources[first + j]
};

}  // namespace lansync::sntpd
