// UDP sockets with kernel timestamps, for NTP clients and servers.
//
// The kernel stamps each datagram as it arrives (SO_TIMESTAMPNS, CLOCK_REALTIME):
// that stamp, not the time the process got round to reading it, is T2 on a
// server and T4 on a client.  A server may also ask, per packet, when a reply
// really left (SO_TIMESTAMPING, software TX timestamps): the kernel queues the
// time with a copy of the packet on the socket's error queue, which is how
// interleaved mode gets its exact transmit timestamps.  Sockets are
// non-blocking; callers poll fd() (POLLERR signals the error queue).
//
// Where the kernel refuses an option (older kernels, qemu-user), a socket
// degrades instead of failing: nanosecond receive stamps (SO_TIMESTAMPNS),
// else microsecond ones (SO_TIMESTAMP), else none, and the caller stamps the
// datagram with its own clock when it reads it; transmit timestamps are simply
// not asked for.  rx_stamping() and tx_stamping() say what the socket got.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "os/error.hpp"
#include "os/net_address.hpp"

namespace lansync::os {

// How a socket's received datagrams are stamped, finest first.
enum class RxStamping : uint8_t {
  KernelNs,  // the kernel, at arrival, to the nanosecond (SO_TIMESTAMPNS)
  KernelUs,  // the kernel, at arrival, to the microsecond (SO_TIMESTAMP)
  Read,      // none from the kernel: the reader's clock when it reads the datagram
};
// "kernel_ns", "kernel_us", "read": the name status reports give.
const char* rx_stamping_name(RxStamping s);
// A line for logs: "kernel, nanoseconds (SO_TIMESTAMPNS)", ...
const char* describe(RxStamping s);
// The error a stamp of this kind may carry, ns: 1 ns, 1 µs, or for a stamp
// taken at the read the wake-up latency of a loaded small board (about 1 ms,
// kReadStampErrorNs), which NTP's precision field must not hide.
int64_t stamp_error_ns(RxStamping s);
inline constexpr int64_t kReadStampErrorNs = 1'000'000;

class UdpSocket {
 public:
  // Kernel socket options a test treats as refused (ENOPROTOOPT), as qemu-user
  // and older kernels refuse them: the fallbacks run without such a kernel.
  struct Refuse {
    bool timestampns = false;   // SO_TIMESTAMPNS
    bool timestamp = false;     // SO_TIMESTAMP
    bool timestamping = false;  // SO_TIMESTAMPING (transmit timestamps)
  };
  struct Options {
    bool reuse_port = false;     // SO_REUSEPORT: several sockets share one address (worker threads)
    bool reuse_address = false;  // SO_REUSEADDR: share a multicast port (SSDP's 1900) with other listeners
    bool broadcast = false;      // SO_BROADCAST: may send to broadcast addresses
    bool tx_timestamps = false;  // allow per-packet kernel TX timestamps (send(..., true))
    // IP_FREEBIND / IPV6_FREEBIND: bind() to an address no interface has yet
    // (ap0 coming up after the server), served once it appears.
    bool freebind = false;
    Refuse refuse;  // fault injection for tests; the default refuses nothing
  };

  // A non-blocking datagram socket of the given family (AF_INET or AF_INET6)
  // with the finest receive timestamps the kernel grants (rx_stamping()).
  static OsResult<UdpSocket> open(int family);
  static OsResult<UdpSocket> open(int family, const Options& options);

  UdpSocket() = default;
  UdpSocket(UdpSocket&& other) noexcept;
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  ~UdpSocket();

  int fd() const { return fd_; }
  // How received datagrams are stamped (Datagram::kernel_timestamp is false with Read).
  RxStamping rx_stamping() const { return rx_stamping_; }
  // Whether send(..., want_tx_timestamp) gets kernel transmit timestamps
  // (opened with tx_timestamps and granted SO_TIMESTAMPING).
  bool tx_stamping() const { return tx_stamping_; }

  // Binds to a local address; IPv6 sockets are made IPv6-only, so that
  // [::]:123 and 0.0.0.0:123 can both be bound.
  Status bind(const SocketAddress& local);
  // Fixes the peer: only its datagrams are received, and ICMP errors
  // (port unreachable) are reported by the next send or receive.
  Status connect(const SocketAddress& peer);
  OsResult<SocketAddress> local_address() const;

  // Sends one datagram (to the connected peer when to is null).  With
  // want_tx_timestamp on a socket with tx_stamping() the kernel reports when
  // it left (receive_tx_timestamp()); without, the flag is ignored.
  Status send(const uint8_t* data, size_t size, const SocketAddress* to = nullptr,
              bool want_tx_timestamp = false);

  struct Datagram {
    size_t size = 0;         // bytes stored in the buffer
    bool truncated = false;  // the datagram was larger than the buffer
    SocketAddress from;
    int64_t rx_ns = 0;              // kernel receive time, Unix ns (CLOCK_REALTIME)
    bool kernel_timestamp = false;  // false: rx_ns is 0, the caller must read its clock now
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
  RxStamping rx_stamping_ = RxStamping::Read;
  bool tx_stamping_ = false;
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

// An error an ICMP message put on a connected UDP socket (port or host
// unreachable, refused).  Anyone on the path can forge one, so it ends
// nothing while a query has time left (RFC 1122 §4.1.3.3: a UDP
// application need not act on ICMP errors).
bool from_icmp(const Error& e);

// The UDP payload in a packet the kernel looped back with a transmit
// timestamp: skips the Ethernet (and VLAN), IPv4 or IPv6, and UDP headers.
// Returns false for anything else.
bool extract_udp_payload(const uint8_t* frame, size_t size, core::IpAddress* destination,
                         const uint8_t** payload, size_t* payload_size);

}  // namespace lansync::os
