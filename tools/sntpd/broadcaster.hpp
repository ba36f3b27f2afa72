// sntpd's broadcaster (--broadcast): mode-5 packets with the reference served, on a schedule.
//
// Each --broadcast address has its own socket; every --broadcast-interval
// seconds (the first at start) each gets one packet built from the reference
// state served (core::make_broadcast), finished as every reply is
// (proto::finish_reply: the transmit time read after encoding, then the MAC
// when --broadcast-key is given).  A broadcast that cannot be signed is not
// sent unsigned instead.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "event_loop.hpp"
#include "os/clock.hpp"
#include "os/net_address.hpp"
#include "os/net_udp.hpp"
#include "proto/auth.hpp"

namespace lansync::sntpd {

class ReferenceKeeper;

// One --broadcast destination.
struct Broadcast {
  os::SocketAddress address;
  os::UdpSocket socket;
  const proto::MacKeys* keys = nullptr;  // with key_id: sign each broadcast
  uint32_t key_id = 0;                   // 0: unsigned
};

class Broadcaster {
 public:
  // interval_s: --broadcast-interval, seconds (>= 1).
  Broadcaster(os::Clock& clock, ReferenceKeeper& reference, double interval_s);

  // A destination, before attach().
  void add(Broadcast b) { broadcasts_.push_back(std::move(b)); }
  // Sends to every destination now, then every interval; nothing without destinations.
  void attach(EventLoop& loop);
  // Broadcasts sent so far (all destinations).  Thread-safe.
  uint64_t sent() const { return sent_.load(); }

 private:
  void send_all();

  os::Clock& clock_;
  ReferenceKeeper& reference_;
  double interval_s_;
  std::vector<Broadcast> broadcasts_;
  std::atomic<uint64_t> sent_{0};
};

}  // namespace lansync::sntpd
