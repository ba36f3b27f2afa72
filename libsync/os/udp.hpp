// UDP sockets with kernel receive timestamps, for NTP clients and servers.
//
// The kernel stamps each datagram as it arrives (SO_TIMESTAMPNS, CLOCK_REALTIME):
// that stamp, not the time the process got round to reading it, is T2 on a
// server and T4 on a client.  Sockets are non-blocking; callers poll fd().
#pragma once

#include <cstddef>
#include <cstdint>

#include "os/address.hpp"
#include "os/error.hpp"

namespace lansync::os {

class UdpSocket {
 public:
  // A non-blocking datagram socket of the given family (AF_INET or AF_INET6)
  // with kernel receive timestamps enabled.
  static OsResult<UdpSocket> open(int family);

  UdpSocket() = default;
  UdpSocket(UdpSocket&& other) noexcept;
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  ~UdpSocket();

  int fd() const { return fd_; }

  // Binds to a local address; IPv6 sockets are made IPv6-only, so that
  // [::]:123 and 0.0.0.0:123 can both be bound.
  Status bind(const SocketAddress& local);
  // Fixes the peer: only its datagrams are received, and ICMP errors
  // (port unreachable) are reported by the next send or receive.
  Status connect(const SocketAddress& peer);
  OsResult<SocketAddress> local_address() const;

  // Sends one datagram (to the connected peer when to is null).
  Status send(const uint8_t* data, size_t size, const SocketAddress* to = nullptr);

  struct Datagram {
    size_t size = 0;         // bytes stored in the buffer
    bool truncated = false;  // the datagram was larger than the buffer
    SocketAddress from;
    int64_t rx_ns = 0;              // kernel receive time, Unix ns (CLOCK_REALTIME)
    bool kernel_timestamp = false;  // false: rx_ns is 0, the caller must read a clock
  };

  // Receives one datagram.  Fails with std::errc::operation_would_block when
  // none is waiting.
  OsResult<Datagram> receive(uint8_t* buffer, size_t capacity);

 private:
  explicit UdpSocket(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// True when an OsResult failed only because nothing was waiting.
bool would_block(const Error& e);

}  // namespace lansync::os
