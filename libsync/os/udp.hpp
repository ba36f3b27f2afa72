// UDP sockets with kernel timestamps, for NTP clients and servers.
//
// The kernel stamps each datagram as it arrives (SO_TIMESTAMPNS, CLOCK_REALTIME):
// that stamp, not the time the process got round to reading it, is T2 on a
// server and T4 on a client.  A server may also ask, per packet, when a reply
// really left (SO_TIMESTAMPING, software TX timestamps): the kernel queues the
// time with a copy of the packet on the socket's error queue, which is how
// interleaved mode gets its exact transmit timestamps.  Sockets are
// non-blocking; callers poll fd() (POLLERR signals the error queue).
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "os/address.hpp"
#include "os/error.hpp"

namespace lansync::os {

class UdpSocket {
 public:
  struct Options {
    bool reuse_port = false;     // SO_REUSEPORT: several sockets share one address (worker threads)
    bool broadcast = false;      // SO_BROADCAST: may send to broadcast addresses
    bool tx_timestamps = false;  // allow per-packet kernel TX timestamps (send(..., true))
    // IP_FREEBIND / IPV6_FREEBIND: bind() to an address no interface has yet
    // (ap0 coming up after the server), served once it appears.
    bool freebind = false;
  };

  // A non-blocking datagram socket of the given family (AF_INET or AF_INET6)
  // with kernel receive timestamps enabled.
  static OsResult<UdpSocket> open(int family);
  static OsResult<UdpSocket> open(int family, const Options& options);

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

  // Sends one datagram (to the connected peer when to is null).  With
  // want_tx_timestamp (on a socket opened with tx_timestamps) the kernel
  // reports when it left: see receive_tx_timestamp().
  Status send(const uint8_t* data, size_t size, const SocketAddress* to = nullptr,
              bool want_tx_timestamp = false);

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

  // Receives up to batch.capacity() datagrams with one system call
  // (recvmmsg).  Returns how many; 0 when none is waiting.
  class Batch;
  OsResult<size_t> receive_batch(Batch& batch);

  struct TxTimestamp {
    const uint8_t* payload = nullptr;  // the UDP payload as sent, inside the caller's buffer
    size_t payload_size = 0;
    core::IpAddress destination;  // where it was sent
    int64_t tx_ns = 0;            // when the kernel sent it (CLOCK_REALTIME)
  };
  // Reads one transmit timestamp from the error queue into buffer.  Fails
  // with would_block when none is queued.
  OsResult<TxTimestamp> receive_tx_timestamp(uint8_t* buffer, size_t capacity);

 private:
  explicit UdpSocket(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Buffers for receiving many datagrams in one call.
class UdpSocket::Batch {
 public:
  explicit Batch(size_t capacity, size_t datagram_size = 1024);
  size_t capacity() const { return messages_.size(); }
  size_t size() const { return count_; }
  const uint8_t* data(size_t i) const { return &storage_[i * datagram_size_]; }
  const Datagram& datagram(size_t i) const { return received_[i]; }

 private:
  friend class UdpSocket;
  size_t datagram_size_;
  size_t count_ = 0;
  std::vector<uint8_t> storage_;
  std::vector<mmsghdr> messages_;
  std::vector<iovec> iovecs_;
  std::vector<std::array<char, 64>> controls_;
  std::vector<Datagram> received_;
};

// True when an OsResult failed only because nothing was waiting.
bool would_block(const Error& e);

// The UDP payload in a packet the kernel looped back with a transmit
// timestamp: skips the Ethernet (and VLAN), IPv4 or IPv6, and UDP headers.
// Returns false for anything else.
bool extract_udp_payload(const uint8_t* frame, size_t size, core::IpAddress* destination,
                         const uint8_t** payload, size_t* payload_size);

}  // namespace lansync::os
