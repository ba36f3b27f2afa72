// os::notify_systemd: the datagram systemd reads for Type=notify units.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "os/ipc_notify.hpp"

namespace lansync::os {
namespace {

// A datagram socket standing in for systemd's; name starts with '/' or '@'.
class FakeSystemd {
 public:
  explicit FakeSystemd(const std::string& name) : name_(name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, name.data(), name.size());
    if (name[0] == '@') addr.sun_path[0] = '\0';
    auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len), 0) << std::strerror(errno);
    ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  }
  ~FakeSystemd() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
    if (name_[0] == '/') ::unlink(name_.c_str());
  }
  std::string receive() {
    char buf[512];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
  }

 private:
  std::string name_;
  int fd_ = -1;
};

TEST(Notify, SendsTheStateToThePathInNotifySocket) {
  std::string path = "/tmp/lansync-notify-test-" + std::to_string(::getpid());
  FakeSystemd systemd(path);
  ASSERT_TRUE(notify_systemd("READY=1\nSTATUS=unsynchronized"));
  EXPECT_EQ(systemd.receive(), "READY=1\nSTATUS=unsynchronized");
}

TEST(Notify, SendsToAnAbstractSocket) {
  FakeSystemd systemd("@lansync-notify-test-" + std::to_string(::getpid()));
  ASSERT_TRUE(notify_systemd("STATUS=serving stratum 3 from phone, 12 min old"));
  EXPECT_EQ(systemd.receive(), "STATUS=serving stratum 3 from phone, 12 min old");
}

TEST(Notify, WithoutNotifySocketSendsNothingAndSucceeds) {
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_TRUE(notify_systemd("READY=1"));
}

TEST(Notify, ARelativeNameIsAnError) {
  ::setenv("NOTIFY_SOCKET", "run/notify", 1);
  auto st = notify_systemd("READY=1");
  ::unsetenv("NOTIFY_SOCKET");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("NOTIFY_SOCKET"), std::string::npos);
}

TEST(Notify, AMissingSocketIsAnError) {
  ::setenv("NOTIFY_SOCKET", "/nonexistent/lansync/notify", 1);
  auto st = notify_systemd("READY=1");
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(st);
}

}  // namespace
}  // namespace lansync::os
