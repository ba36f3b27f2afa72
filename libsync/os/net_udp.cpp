// UDP sockets with kernel timestamps; see net_udp.hpp.
// 64-bit time_t in this file (kernel timestamps, SO_TIMESTAMPNS_NEW): see os/clock.cpp.
#ifndef _TIME_BITS
#define _TIME_BITS 64
#define _FILE_OFFSET_BITS 64
#endif
#include "os/net_udp.hpp"

#include <fcntl.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace lansync::os {

OsResult<UdpSocket> UdpSocket::open(int family) { return open(family, Options{}); }

namespace {

// setsockopt(fd, SOL_SOCKET, option, 1 or flags), or ENOPROTOOPT when the test seam refuses it.
bool enable(int fd, int option, int value, bool refused) {
  if (refused) {
    errno = ENOPROTOOPT;
    return false;
  }
  return ::setsockopt(fd, SOL_SOCKET, option, &value, sizeof(value)) == 0;
}

// The finest receive stamping the kernel grants; only "not available" falls back.
OsResult<RxStamping> enable_rx_stamping(int fd, const UdpSocket::Refuse& refuse) {
  if (enable(fd, SO_TIMESTAMPNS, 1, refuse.timestampns)) return RxStamping::KernelNs;
  if (errno != ENOPROTOOPT && errno != EINVAL) {
    return errno_error("cannot enable kernel receive timestamps (SO_TIMESTAMPNS)");
  }
  if (enable(fd, SO_TIMESTAMP, 1, refuse.timestamp)) return RxStamping::KernelUs;
  if (errno != ENOPROTOOPT && errno != EINVAL) {
    return errno_error("cannot enable kernel receive timestamps (SO_TIMESTAMP)");
  }
  return RxStamping::Read;
}

}  // namespace

const char* rx_stamping_name(RxStamping s) {
  switch (s) {
    case RxStamping::KernelNs: return "kernel_ns";
    case RxStamping::KernelUs: return "kernel_us";
    case RxStamping::Read: break;
  }
  return "read";
}

const char* describe(RxStamping s) {
  switch (s) {
    case RxStamping::KernelNs: return "kernel, nanoseconds (SO_TIMESTAMPNS)";
    case RxStamping::KernelUs: return "kernel, microseconds (SO_TIMESTAMP; SO_TIMESTAMPNS refused)";
    case RxStamping::Read: break;
  }
  return "none from the kernel, stamped when read (SO_TIMESTAMPNS and SO_TIMESTAMP refused)";
}

int64_t stamp_error_ns(RxStamping s) {
  switch (s) {
    case RxStamping::KernelNs: return 1;
    case RxStamping::KernelUs: return 1000;
    case RxStamping::Read: break;
  }
  return kReadStampErrorNs;
}

OsResult<UdpSocket> UdpSocket::open(int family, const Options& options) {
  int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_error("cannot open UDP socket");
  UdpSocket sock(fd);
  auto stamping = enable_rx_stamping(fd, options.refuse);
  if (!stamping) return fail(stamping.error());
  sock.rx_stamping_ = *stamping;
  int on = 1;
  if (family == AF_INET6 && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0) {
    return errno_error("cannot make socket IPv6-only");
  }
  if (options.reuse_port && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0) {
    return errno_error("cannot share the port (SO_REUSEPORT)");
  }
  if (options.reuse_address && ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0) {
    return errno_error("cannot share the address (SO_REUSEADDR)");
  }
  if (options.broadcast && ::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)) != 0) {
    return errno_error("cannot enable broadcast (SO_BROADCAST)");
  }
  if (options.freebind) {
    bool v6 = family == AF_INET6;
    if (::setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_FREEBIND : IP_FREEBIND, &on, sizeof(on)) !=
        0) {
      return errno_error("cannot bind to addresses not up yet (IP_FREEBIND)");
    }
  }
  // Only the reporting flag here: each packet asks for its TX timestamp in
  // send(), so that replies nobody needs timed cost nothing.  Refused: the
  // replies are stamped by the sender's clock just before they go.
  if (options.tx_timestamps) {
    sock.tx_stamping_ = enable(fd, SO_TIMESTAMPING, SOF_TIMESTAMPING_SOFTWARE, options.refuse.timestamping);
    if (!sock.tx_stamping_ && errno != ENOPROTOOPT && errno != EINVAL) {
      return errno_error("cannot enable kernel transmit timestamps (SO_TIMESTAMPING)");
    }
  }
  return sock;
}

UdpSocket::UdpSocket(UdpSocket&& other) noexcept
    : fd_(other.fd_), rx_stamping_(other.rx_stamping_), tx_stamping_(other.tx_stamping_) {
  other.fd_ = -1;
}

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    rx_stamping_ = other.rx_stamping_;
    tx_stamping_ = other.tx_stamping_;
    other.fd_ = -1;
  }
  return *this;
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

Status UdpSocket::bind(const SocketAddress& local) {
  if (::bind(fd_, local.get(), local.size()) != 0) return errno_error("cannot bind " + local.to_string());
  return ok();
}

Status UdpSocket::connect(const SocketAddress& peer) {
  if (::connect(fd_, peer.get(), peer.size()) != 0) return errno_error("cannot reach " + peer.to_string());
  return ok();
}

OsResult<SocketAddress> UdpSocket::local_address() const {
  SocketAddress a;
  socklen_t len = a.capacity();
  if (::getsockname(fd_, a.get(), &len) != 0) return errno_error("getsockname");
  a.set_size(len);
  return a;
}

Status UdpSocket::send(const uint8_t* data, size_t size, const SocketAddress* to, bool want_tx_timestamp) {
  iovec iov{const_cast<uint8_t*>(data), size};
  msghdr msg{};
  if (to != nullptr) {
    msg.msg_name = const_cast<sockaddr*>(to->get());
    msg.msg_namelen = to->size();
  }
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(uint32_t))] = {};
  if (want_tx_timestamp && tx_stamping_) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SO_TIMESTAMPING;
    c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
    uint32_t flags = SOF_TIMESTAMPING_TX_SOFTWARE;
    std::memcpy(CMSG_DATA(c), &flags, sizeof(flags));
  }
  if (::sendmsg(fd_, &msg, 0) < 0) {
    return errno_error(to != nullptr ? "send to " + to->to_string() : std::string("send"));
  }
  return ok();
}

namespace {

int64_t timespec_ns(const timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Fills in the fields of d that come from msg after a receive.
void finish_datagram(const msghdr& msg, size_t size, UdpSocket::Datagram* d) {
  d->from.set_size(msg.msg_namelen);
  d->size = size;
  d->truncated = (msg.msg_flags & MSG_TRUNC) != 0;
  d->kernel_timestamp = false;
  d->rx_ns = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(const_cast<msghdr*>(&msg), c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SCM_TIMESTAMPNS && c->cmsg_len >= CMSG_LEN(sizeof(timespec))) {
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
      d->rx_ns = timespec_ns(ts);
      d->kernel_timestamp = true;
    } else if (c->cmsg_type == SCM_TIMESTAMP && c->cmsg_len >= CMSG_LEN(sizeof(timeval))) {
      timeval tv{};
      std::memcpy(&tv, CMSG_DATA(c), sizeof(tv));
      d->rx_ns = static_cast<int64_t>(tv.tv_sec) * 1'000'000'000 + static_cast<int64_t>(tv.tv_usec) * 1000;
      d->kernel_timestamp = true;
    }
  }
}

}  // namespace

OsResult<UdpSocket::Datagram> UdpSocket::receive(uint8_t* buffer, size_t capacity) {
  Datagram d;
  iovec iov{buffer, capacity};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec)) * 2];
  msghdr msg{};
  msg.msg_name = d.from.get();
  msg.msg_namelen = d.from.capacity();
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n = ::recvmsg(fd_, &msg, MSG_DONTWAIT);
  if (n < 0) return errno_error("receive");
  finish_datagram(msg, static_cast<size_t>(n), &d);
  return d;
}

UdpSocket::Batch::Batch(size_t capacity, size_t datagram_size)
    : datagram_size_(datagram_size),
      storage_(capacity * datagram_size),
      messages_(capacity),
      iovecs_(capacity),
      controls_(capacity),
      received_(capacity) {}

OsResult<size_t> UdpSocket::receive_batch(Batch& b) {
  for (size_t i = 0; i < b.capacity(); ++i) {
    b.iovecs_[i] = {&b.storage_[i * b.datagram_size_], b.datagram_size_};
    msghdr& m = b.messages_[i].msg_hdr;
    m = msghdr{};
    m.msg_name = b.received_[i].from.get();
    m.msg_namelen = b.received_[i].from.capacity();
    m.msg_iov = &b.iovecs_[i];
    m.msg_iovlen = 1;
    m.msg_control = b.controls_[i].data();
    m.msg_controllen = b.controls_[i].size();
  }
  int n = ::recvmmsg(fd_, b.messages_.data(), static_cast<unsigned>(b.capacity()), MSG_DONTWAIT, nullptr);
  if (n < 0) {
    b.count_ = 0;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return size_t{0};
    return errno_error("receive");
  }
  b.count_ = static_cast<size_t>(n);
  for (size_t i = 0; i < b.count_; ++i) {
    finish_datagram(b.messages_[i].msg_hdr, b.messages_[i].msg_len, &b.received_[i]);
  }
  return b.count_;
}

OsResult<UdpSocket::TxTimestamp> UdpSocket::receive_tx_timestamp(uint8_t* buffer, size_t capacity) {
  iovec iov{buffer, capacity};
  alignas(cmsghdr) char control[256];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n = ::recvmsg(fd_, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
  if (n < 0) return errno_error("receive error queue");
  TxTimestamp t;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPING) {
      scm_timestamping ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
      t.tx_ns = timespec_ns(ts.ts[0]);  // [0] is the software timestamp
    }
  }
  if (t.tx_ns == 0 ||
      !extract_udp_payload(buffer, static_cast<size_t>(n), &t.destination, &t.payload, &t.payload_size)) {
    return invalid("error queue message without a transmit timestamp");
  }
  return t;
}

bool extract_udp_payload(const uint8_t* frame, size_t size, core::IpAddress* destination,
                         const uint8_t** payload, size_t* payload_size) {
  auto be16 = [&](size_t at) { return static_cast<unsigned>(frame[at] << 8 | frame[at + 1]); };
  size_t l3 = 0;
  // Devices with a link-layer header loop back the whole frame: skip
  // Ethernet (and one VLAN tag) when the EtherType says IP follows.
  if (size >= 14) {
    unsigned type = be16(12);
    size_t at = 14;
    if (type == 0x8100 && size >= 18) {
      type = be16(16);
      at = 18;
    }
    if (type == 0x0800 || type == 0x86DD) l3 = at;
  }
  if (size < l3 + 1) return false;
  unsigned version = frame[l3] >> 4;
  size_t l4 = 0;
  if (version == 4) {
    size_t ihl = (frame[l3] & 0x0Fu) * 4u;
    if (ihl < 20 || size < l3 + ihl || frame[l3 + 9] != IPPROTO_UDP) return false;
    destination->family = 4;
    std::memcpy(destination->bytes, frame + l3 + 16, 4);
    l4 = l3 + ihl;
  } else if (version == 6) {
    if (size < l3 + 40 || frame[l3 + 6] != IPPROTO_UDP) return false;
    destination->family = 6;
    std::memcpy(destination->bytes, frame + l3 + 24, 16);
    l4 = l3 + 40;
  } else {
    return false;
  }
  if (size < l4 + 8) return false;
  size_t udp_length = be16(l4 + 4);
  if (udp_length < 8 || l4 + udp_length > size) return false;
  *payload = frame + l4 + 8;
  *payload_size = udp_length - 8;
  return true;
}

bool would_block(const Error& e) {
  return e.code == std::errc::operation_would_block || e.code == std::errc::resource_unavailable_try_again;
}

bool from_icmp(const Error& e) {
  return e.code == std::errc::connection_refused || e.code == std::errc::host_unreachable ||
         e.code == std::errc::network_unreachable || e.code == std::errc::connection_reset;
}

}  // namespace lansync::os
