// sntpd's --gps references among the upstream sources; see upstream_receivers.hpp.
#include "upstream/upstream_receivers.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/reference.hpp"
#include "os/clock.hpp"

namespace lansync::sntpd {

void UpstreamReceivers::add(RefclockPeer receiver, std::vector<core::UpstreamSource>& sources,
                            int max_poll_log2) {
  // A receiver is first read when it is made: its source polls from then on.
  int64_t now_mono = receiver.next_read_ns();
  refclocks_.push_back(std::move(receiver));
  sources.emplace_back(refclocks_.back().name(), refclocks_.back().refid(), now_mono,
                       std::min(kRefclockPollLog2, max_poll_log2));
}

int64_t UpstreamReceivers::next_read_ns() const {
  int64_t due = INT64_MAX;
  for (const RefclockPeer& r : refclocks_) due = std::min(due, r.next_read_ns());
  return due;
}

void UpstreamReceivers::read(const UpstreamContext& c, size_t first, int64_t now_mono) {
  if (refclocks_.empty()) return;
  UpstreamFollower& follower = c.follower;
  auto remaining_at = [&follower](int64_t mono_ns) { return follower.remaining_ns(mono_ns); };
  // Our clock's own second is a pulse's while the clock served is within kPpsLockNs of the truth.
  bool clock_known = false;
  if (auto r = follower.reference(); r && follower.synced()) {
    core::ReferenceCandidate candidate = core::upstream_candidate(*r, c.clock.now_ns());
    clock_known = candidate.state.root_delay_ns / 2 + candidate.state.root_dispersion_ns < kPpsLockNs;
  }
  // A server as the system peer says which second it is; else a receiver does, as chronyd's lock.
  std::optional<size_t> peer = follower.system_peer();
  bool server_peer = clock_known && peer && *peer < first;
  // Receivers first: their readings name the pulses' seconds.
  for (RefclockPeer& r : refclocks_) {
    if (!r.pulse()) r.read(c.clock, now_mono, remaining_at, [](int64_t) { return std::nullopt; });
  }
  auto second_at = [&](int64_t local_ns) -> std::optional<int64_t> {
    if (!server_peer) {
      for (const RefclockPeer& r : refclocks_) {
        if (auto e = r.second_at(local_ns)) return e;
      }
    }
    return clock_known ? std::optional<int64_t>(0) : std::nullopt;
  };
  for (RefclockPeer& r : refclocks_) {
    if (r.pulse()) r.read(c.clock, now_mono, remaining_at, second_at);
  }
  select_receivers(c, first);
}

void UpstreamReceivers::select_receivers(const UpstreamContext& c, size_t first) {
  bool pulse_answers = false;
  for (size_t j = 0; j < refclocks_.size(); ++j) {
    pulse_answers = pulse_answers || (refclocks_[j].pulse() && c.sources[first + j].reachable());
  }
  bool changed = false;
  for (size_t j = 0; j < refclocks_.size(); ++j) {
    core::UpstreamSource& s = c.sources[first + j];
    if (refclocks_[j].pulse() || s.noselect() == pulse_answers) continue;
    s.set_noselect(pulse_answers);
    changed = true;
  }
  if (changed) c.follower.reselect(c.sources, c.clock.now_ns());
}

core::SourceAction UpstreamReceivers::poll(size_t j, std::vector<core::UpstreamSource>& sources, size_t first,
                                           const core::SampleRules& rules, int64_t now_mono) {
  core::UpstreamSource& source = sources[first + j];
  std::optional<core::UpstreamSample> s = refclocks_[j].next_sample();
  if (s && !refclocks_[j].pulse()) refclocks_[j].correct(*s, pulse_offset_at(sources, first, s->time_ns));
  core::SourceAction a = source.take_reading(now_mono, s, rules);
  refclocks_[j].log(source, a);
  return a;
}

std::optional<int64_t> UpstreamReceivers::pulse_offset_at(const std::vector<core::UpstreamSource>& sources,
                                                          size_t first, int64_t t_ns) const {
  for (size_t j = 0; j < refclocks_.size(); ++j) {
    const core::UpstreamSource& p = sources[first + j];
    if (!refclocks_[j].pulse() || !p.reachable() || p.falseticker() || !p.estimate()) continue;
    // Fresh: its line's newest sample within two of its polls of t_ns.
    const core::SourceEstimate& e = *p.estimate();
    int64_t poll_ns = std::llround(std::ldexp(1e9, p.poll_log2()));
    if (std::llabs(t_ns - e.time_ns) <= 2 * poll_ns) return e.offset_at(t_ns);
  }
  return std::nullopt;
}

void UpstreamReceivers::shift(const core::SampleShift& shift) {
  for (RefclockPeer& r : refclocks_) r.shift(shift);
}

void UpstreamReceivers::status(std::vector<UpstreamSnapshot>& out,
                               const std::vector<core::UpstreamSource>& sources, size_t first,
                               const UpstreamFollower& follower, int64_t now_ns, int64_t now_mono) const {
  for (size_t j = 0; j < refclocks_.size(); ++j)
    out.push_back(refclocks_[j].snapshot(sources, first + j, follower, now_ns, now_mono));
}

}  // namespace lansync::sntpd
