// sd_notify's protocol; see ipc_notify.hpp.
#include "os/ipc_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "os/fd.hpp"

namespace lansync::os {

Status notify_systemd(std::string_view state) {
  const char* name = std::getenv("NOTIFY_SOCKET");
  if (name == nullptr || name[0] == '\0') return ok();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  size_t len = std::strlen(name);
  if ((name[0] != '/' && name[0] != '@') || len >= sizeof(addr.sun_path)) {
    return invalid(std::string("NOTIFY_SOCKET: not a socket path: ") + name);
  }
  std::memcpy(addr.sun_path, name, len);
  if (name[0] == '@') addr.sun_path[0] = '\0';  // Linux's abstract namespace
  Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return errno_error("cannot notify systemd");
  auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  if (::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr),
               addr_len) < 0) {
    return errno_error(std::string("cannot notify systemd at ") + name);
  }
  return ok();
}

}  // namespace lansync::os
