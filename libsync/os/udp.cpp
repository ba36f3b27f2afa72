// UDP sockets with kernel timestamps; see udp.hpp.
#include "os/udp.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace lansync::os {

OsResult<UdpSocket> UdpSocket::open(int family) {
  int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_error("cannot open UDP socket");
  UdpSocket sock(fd);
  int on = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) != 0) {
    return errno_error("cannot enable kernel receive timestamps (SO_TIMESTAMPNS)");
  }
  if (family == AF_INET6 && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0) {
    return errno_error("cannot make socket IPv6-only");
  }
  return sock;
}

UdpSocket::UdpSocket(UdpSocket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
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

Status UdpSocket::send(const uint8_t* data, size_t size, const SocketAddress* to) {
  ssize_t n =
      to != nullptr ? ::sendto(fd_, data, size, 0, to->get(), to->size()) : ::send(fd_, data, size, 0);
  if (n < 0) return errno_error(to != nullptr ? "send to " + to->to_string() : std::string("send"));
  return ok();
}

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
  d.from.set_size(msg.msg_namelen);
  d.size = static_cast<size_t>(n);
  d.truncated = (msg.msg_flags & MSG_TRUNC) != 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
      d.rx_ns = static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
      d.kernel_timestamp = true;
    }
  }
  return d;
}

bool would_block(const Error& e) {
  return e.code == std::errc::operation_would_block || e.code == std::errc::resource_unavailable_try_again;
}

}  // namespace lansync::os
