// One address of an --upstream name, polled: the socket and the clock of its source.
//
// The server itself is a core::UpstreamSource (sans-IO: the schedule, the
// requests in flight, the replies judged and counted by reason, the filter,
// the reach), which Upstreams keeps with the other sources for the selection
// and passes in.  This part only drives it: it sends the request the source
// writes with T1 read just before, reads each datagram with its kernel receive
// timestamp as T4, logs what the source made of it, and judges whether the
// address gives way to another of its name (a pool).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/upstream.hpp"
#include "core/upstream_pool.hpp"
#include "os/clock.hpp"
#include "os/net_address.hpp"
#include "os/net_udp.hpp"
#include "status/status_snapshot.hpp"
#include "upstream/upstream_nts.hpp"

namespace lansync::sntpd {

class UpstreamFollower;

class UpstreamPeer {
 public:
  // Polls address over socket (connected to it), for names_[name].
  UpstreamPeer(const os::SocketAddress& address, os::UdpSocket socket, size_t name);

  // A server named `nts`: address is its NTS-KE server's; requests go out only sealed by link
  // (upstream_nts.hpp), to the NTP server its key exchange names (reconnect).
  void set_nts(std::unique_ptr<NtsLink> link) { nts_ = std::move(link); }
  NtsLink* nts() { return nts_.get(); }
  const NtsLink* nts() const { return nts_.get(); }
  // Polls ntp from now on (a new socket connected to it).
  os::Status reconnect(const os::SocketAddress& ntp);

  const os::SocketAddress& address() const { return address_; }
  int fd() const { return socket_.fd(); }
  size_t name() const { return name_; }  // its name's index in UpstreamNames

  // s's poll, due at now_mono: its request sent (T1 read from clock just before); what s made of it.
  core::SourceAction transmit(core::UpstreamSource& s, os::Clock& clock, int64_t now_mono);
  // The next datagram waiting into buf[0, cap): its size (0 if truncated), its T4 on clock in
  // *t4_ns; nothing once none waits (a network error is noted in s).  *budget: datagrams still to
  // be read this round (each read takes one).
  std::optional<size_t> read(core::UpstreamSource& s, os::Clock& clock, uint8_t* buf, size_t cap,
                             int64_t* t4_ns, int* budget);
  // Logs what an event of s was (max_change_ns: --max-change, for the words).
  void log(const core::UpstreamSource& s, const core::SourceAction& a, int64_t max_change_ns) const;

  // Whether it gives way to a fresh address of its name (core::judge_pool_address), judged anew.
  core::PoolVerdict judge(const core::UpstreamSource& s, bool outvoted, int64_t now_mono);
  core::PoolVerdict verdict() const { return verdict_; }

  // Its line in the status report; it is sources[i] of follower's last selection.
  UpstreamSnapshot snapshot(const std::vector<core::UpstreamSource>& sources, size_t i,
                            const UpstreamFollower& follower, int64_t now_ns, int64_t now_mono) const;

 private:
  os::SocketAddress address_;
  os::UdpSocket socket_;
  std::unique_ptr<NtsLink> nts_;  // a server named `nts`; null otherwise
  size_t name_ = 0;               // index in UpstreamNames of the name it came from
  core::PoolWatch watch_;         // for verdict_
  core::PoolVerdict verdict_ = core::PoolVerdict::Keep;
};

}  // namespace lansync::sntpd
