// Control socket; see ipc_control.hpp.
// 64-bit time_t in this file (SO_RCVTIMEO): see os/clock.cpp.
#ifndef _TIME_BITS
#define _TIME_BITS 64
#define _FILE_OFFSET_BITS 64
#endif
#include "os/ipc_control.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "core/control_request.hpp"
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

ControlServer::ControlServer(ControlServer&& o) noexcept
    : fd_(o.fd_), path_(std::move(o.path_)), connections_(std::move(o.connections_)) {
  o.fd_ = -1;
  o.connections_.clear();
}

ControlServer& ControlServer::operator=(ControlServer&& o) noexcept {
  if (this != &o) {
    this->~ControlServer();
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    connections_ = std::move(o.connections_);
    o.fd_ = -1;
    o.connections_.clear();
  }
  return *this;
}

ControlServer::~ControlServer() {
  close_all();
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(path_.c_str());
    fd_ = -1;
  }
}

void ControlServer::close_all() {
  for (auto& c : connections_) ::close(c.fd);
  connections_.clear();
}

OsResult<ControlServer> ControlServer::listen(const std::string& path, int gid) {
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
  if (gid >= 0 && ::chown(path.c_str(), static_cast<uid_t>(-1), static_cast<gid_t>(gid)) != 0) {
    return errno_error("cannot give control socket " + path + " to group " + std::to_string(gid));
  }
  if (::chmod(path.c_str(), 0660) != 0 || ::listen(s.fd_, 16) != 0) {
    return errno_error("cannot listen on control socket " + path);
  }
  return s;
}

std::vector<int> ControlServer::fds() const {
  std::vector<int> out;
  if (fd_ >= 0) out.push_back(fd_);
  for (const auto& c : connections_) out.push_back(c.fd);
  return out;
}

int64_t ControlServer::next_deadline_mono_ns() const {
  int64_t next = INT64_MAX;
  for (const auto& c : connections_) next = std::min(next, c.deadline_mono_ns);
  return next;
}

void ControlServer::accept_pending(int64_t now_mono_ns) {
  // Bounded: at most the listen backlog per call.
  for (int n = 0; n < 16 && fd_ >= 0; ++n) {
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c < 0) return;
    if (connections_.size() >= kMaxControlConnections) {
      ::close(connections_.front().fd);
      connections_.erase(connections_.begin());
    }
    connections_.push_back({c, now_mono_ns + kControlDeadlineNs, {}});
  }
}

bool ControlServer::read_and_answer(Connection& c, const Handler& handler) {
  char buf[256];
  for (;;) {
    ssize_t got = ::recv(c.fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (got == 0) return true;  // the client hung up before its line ended
    if (got < 0) return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
    core::ControlLine line =
        core::take_control_bytes(c.request, std::string_view(buf, static_cast<size_t>(got)));
    if (line == core::ControlLine::TooLong) return true;
    if (line == core::ControlLine::Partial) continue;
    std::string answer = handler(c.request);
    // Room for the whole answer in the send buffer, so that one write without
    // blocking delivers it to a client that reads slowly (the kernel caps it).
    int want = static_cast<int>(std::min<size_t>(answer.size() + 4096, 4u << 20));
    ::setsockopt(c.fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
    size_t done = 0;
    while (done < answer.size()) {
      ssize_t w = ::send(c.fd, answer.data() + done, answer.size() - done, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (w <= 0) break;  // a client that does not read gets what fitted
      done += static_cast<size_t>(w);
    }
    return true;
  }
}

void ControlServer::serve(const Handler& handler, int64_t now_mono_ns) {
  accept_pending(now_mono_ns);
  std::vector<Connection> open;
  for (auto& c : connections_) {
    if (read_and_answer(c, handler) || now_mono_ns >= c.deadline_mono_ns) {
      ::close(c.fd);
    } else {
      open.push_back(std::move(c));
    }
  }
  connections_ = std::move(open);
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
