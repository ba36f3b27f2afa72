// One address of an --upstream name, polled: its socket, its requests in flight, what became of its replies.
//
// Each request is a proto::ClientSession (random cookie, the MAC when the
// name has a key); a reply is matched against the last kOutstanding of them,
// with its kernel receive timestamp as T4.  Replies that answer no request of
// ours, fail authentication or whose samples the guards refuse are counted by
// reason (kUpstreamRejections) and logged, never used.  Its core state (the
// schedule, the filter, the reach) is the core::UpstreamSource Upstreams
// keeps beside it, passed in.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/upstream.hpp"
#include "core/upstream_pool.hpp"
#include "os/clock.hpp"
#include "os/net_address.hpp"
#include "os/net_udp.hpp"
#include "proto/client.hpp"
#include "status/status_snapshot.hpp"
#include "upstream/upstream_names.hpp"

namespace lansync::sntpd {

class UpstreamFollower;

// Fills u's reach, poll and best sample from s (reach_change_ns: since when it is reachable or
// not, on the served clock); false when s has no sample yet.
bool describe_source(const core::UpstreamSource& s, int64_t now_ns, int64_t reach_change_ns,
                     UpstreamSnapshot& u);

// A source's state as the status report words it ("sys_peer", "truechimer", "3 of 3 consistent
// samples", ...), sources[i] of follower's last selection; no_sample when it has none yet.
std::string source_state(const std::vector<core::UpstreamSource>& sources, size_t i,
                         const UpstreamFollower& follower, bool has_sample, const std::string& no_sample);

class UpstreamPeer {
 public:
  // Polls address over socket (connected to it), for a name of n (name: its index), from now_mono.
  UpstreamPeer(const os::SocketAddress& address, os::UdpSocket socket, const UpstreamName& n, size_t name,
               int64_t now_mono);

  const os::SocketAddress& address() const { return address_; }
  int fd() const { return socket_.fd(); }
  size_t name() const { return name_; }  // its name's index in UpstreamNames

  // Sends a request now (T1 read from clock just before), telling s of the poll; true if its
  // reachability changed (the selection is then out of date).
  bool transmit(core::UpstreamSource& s, os::Clock& clock, int64_t now_mono);
  // The next reply that ends one of its exchanges, with its T4 on clock in *t4_ns; nothing once
  // none waits.  *budget: datagrams still to be read this round (each read takes one).
  std::optional<proto::ClientReply> next_reply(const core::UpstreamSource& s, os::Clock& clock,
                                               int64_t* t4_ns, int* budget);
  // A Kiss-o'-Death (RFC 5905 §7.4): RATE slows the polls, DENY and RSTR end them (logged once).
  void take_kiss(core::UpstreamSource& s, uint32_t refid);
  // A reply that is not a sample (its status says why), or, with ok, the end of the last problem.
  void note_reply(const proto::ClientReply& reply);
  // Logs and counts what the guards made of its sample of offset_ns (max_change_ns: --max-change).
  void report(const core::UpstreamSource& s, core::SampleVerdict verdict, int64_t offset_ns,
              int64_t max_change_ns);
  // Notes a change of reachability (was: before the poll or reply), logged once each way; true if it changed.
  bool note_reach(const core::UpstreamSource& s, bool was, int64_t now_mono);

  // Whether it gives way to a fresh address of its name (core::judge_pool_address), judged anew.
  core::PoolVerdict judge(const core::UpstreamSource& s, bool outvoted, int64_t now_mono);
  core::PoolVerdict verdict() const { return verdict_; }

  // Its line in the status report; it is sources[i] of follower's last selection.
  UpstreamSnapshot snapshot(const std::vector<core::UpstreamSource>& sources, size_t i,
                            const UpstreamFollower& follower, int64_t now_ns, int64_t now_mono) const;

 private:
  // Its state as the status report words it ("sys_peer", "no reply", "kod RATE", ...).
  std::string state(const std::vector<core::UpstreamSource>& sources, size_t i,
                    const UpstreamFollower& follower, bool has_sample) const;

  os::SocketAddress address_;
  os::UdpSocket socket_;
  const proto::MacKeys* keys_ = nullptr;           // with key_id_: sign requests, check replies
  uint32_t key_id_ = 0;                            // 0: unauthenticated
  size_t name_ = 0;                                // index in UpstreamNames of the name it came from
  std::vector<proto::ClientSession> outstanding_;  // recent requests, newest last
  std::string last_problem_;                       // e.g. "kod RATE", "unsynchronized"
  std::array<uint64_t, kUpstreamRejectionCount> rejected_ = {};  // by kUpstreamRejections
  int64_t reach_change_mono_ns_ = 0;                             // when it became reachable or not
  bool ever_reached_ = false;                                    // it answered once
  int polls_ = 0;                                                // requests sent, up to core::kReachPolls
  core::PoolWatch watch_;                                        // for verdict_
  core::PoolVerdict verdict_ = core::PoolVerdict::Keep;
};

}  // namespace lansync::sntpd
