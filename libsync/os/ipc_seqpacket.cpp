// One datagram at a time on a SOCK_SEQPACKET socket; see ipc_seqpacket.hpp.
#include "os/ipc_seqpacket.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace lansync::os {

bool send_datagram(int fd, const void* data, size_t size) {
  ssize_t n = ::send(fd, data, size, MSG_DONTWAIT | MSG_NOSIGNAL);
  return n == static_cast<ssize_t>(size);
}

ssize_t receive_datagram(int fd, std::vector<uint8_t>& buf, size_t max, bool wait) {
  buf.resize(max);
  for (;;) {
    // MSG_TRUNC: a datagram larger than the buffer reports its true size.
    ssize_t n = ::recv(fd, buf.data(), buf.size(), (wait ? 0 : MSG_DONTWAIT) | MSG_TRUNC);
    if (n < 0 && errno == EINTR) continue;
    if (n > static_cast<ssize_t>(buf.size())) return kOversized;
    return n;
  }
}

}  // namespace lansync::os
