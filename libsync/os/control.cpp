// Control socket; see control.hpp.
#include "os/control.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "os/file.hpp"

namespace lansync::os {
namespace {

OsResult<sockaddr_un> unix_address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(a.sun_path))
    return invalid("bad control socket path '" + path + "'");
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return a;
}

void set_timeout(int fd, int option, int ms) {
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof(tv));
}

// Whether something accepts connections on the socket at addr.
bool live(const sockaddr_un& addr) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool up = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return up;
}

}  // namespace

ControlServer::ControlServer(ControlServer&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) {
  o.fd_ = -1;
}

ControlServer& ControlServer::operator=(ControlServer&& o) noexcept {
  if (this != &o) {
    this->~ControlServer();
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

ControlServer::~ControlServer() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(path_.c_str());
    fd_ = -1;
  }
}

OsResult<ControlServer> ControlServer::listen(const std::string& path) {
  auto addr = unix_address(path);
  if (!addr) return fail(addr.error());
  auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    if (auto st = make_directories(path.substr(0, slash)); !st) return fail(st.error());
  }
  // A socket file that nobody answers on is a leftover: replace it.
  if (live(*addr)) return code_error(std::errc::address_in_use, "another daemon answers on " + path);
  ::unlink(path.c_str());
  ControlServer s;
  s.fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s.fd_ < 0) return errno_error("cannot open control socket");
  if (::bind(s.fd_, reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0) {
    return errno_error("cannot bind control socket " + path);
  }
  s.path_ = path;
  if (::chmod(path.c_str(), 0666) != 0 || ::listen(s.fd_, 16) != 0) {
    return errno_error("cannot listen on control socket " + path);
  }
  return s;
}

void ControlServer::serve(const std::function<std::string(const std::string&)>& handler) {
  // Bounded: at most 16 connections per call, the listen backlog.
  for (int n = 0; n < 16; ++n) {
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;
    set_timeout(c, SO_RCVTIMEO, 100);
    set_timeout(c, SO_SNDTIMEO, 100);
    std::string request;
    char buf[256];
    while (request.size() < 1024 && request.find('\n') == std::string::npos) {
      ssize_t got = ::read(c, buf, sizeof(buf));
      if (got <= 0) break;
      request.append(buf, static_cast<size_t>(got));
    }
    if (auto nl = request.find('\n'); nl != std::string::npos) request.resize(nl);
    std::string answer = handler(request);
    size_t done = 0;
    while (done < answer.size()) {
      ssize_t w = ::write(c, answer.data() + done, answer.size() - done);
      if (w <= 0) break;
      done += static_cast<size_t>(w);
    }
    ::close(c);
  }
}

OsResult<std::string> control_request(const std::string& path, const std::string& request) {
  auto addr = unix_address(path);
  if (!addr) return fail(addr.error());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_error("cannot open socket");
  set_timeout(fd, SO_RCVTIMEO, 2000);
  set_timeout(fd, SO_SNDTIMEO, 2000);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0) {
    auto e = errno_error("cannot connect to " + path);
    ::close(fd);
    return e;
  }
  std::string line = request + "\n";
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    auto e = errno_error("cannot send to " + path);
    ::close(fd);
    return e;
  }
  std::string answer;
  char buf[4096];
  for (;;) {
    ssize_t got = ::read(fd, buf, sizeof(buf));
    if (got < 0) {
      auto e = errno_error("cannot read from " + path);
      ::close(fd);
      return e;
    }
    if (got == 0) break;
    answer.append(buf, static_cast<size_t>(got));
  }
  ::close(fd);
  return answer;
}

}  // namespace lansync::os
