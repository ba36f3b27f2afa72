// Listening TCP sockets; see net_tcp.hpp.
#include "os/net_tcp.hpp"

#include <fmt/core.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace lansync::os {

OsResult<Fd> listen_tcp(const HostPort& hp, int backlog) {
  auto addrs = resolve(hp, /*passive=*/true);
  if (!addrs) return fail(addrs.error());
  SocketAddress addr = addrs->front();
  Fd fd(::socket(addr.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return errno_error("cannot open a socket");
  int yes = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  ::setsockopt(fd.get(), IPPROTO_IP, IP_FREEBIND, &yes, sizeof(yes));
  if (::bind(fd.get(), addr.get(), addr.size()) != 0 || ::listen(fd.get(), backlog) != 0) {
    return fail(Error{std::make_error_code(std::errc::address_not_available), ""});
  }
  return fd;
}

std::string listen_address(int fd, const std::string& host) {
  SocketAddress local;
  socklen_t len = local.capacity();
  ::getsockname(fd, local.get(), &len);
  local.set_size(len);
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, local.port())
                                             : fmt::format("{}:{}", host, local.port());
}

}  // namespace lansync::os
