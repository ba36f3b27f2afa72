// Tests of the local control socket (os/control).
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <thread>

#include "../support/temp_dir.hpp"
#include "os/control.hpp"

namespace lansync::os {
namespace {

TEST(Control, AnswersARequestLine) {
  testing::TempDir dir;
  std::string path = (dir.path() / "run" / "sntpd.sock").string();
  auto server = ControlServer::listen(path);
  ASSERT_TRUE(server.ok()) << server.error().message;
  std::thread t([&] {
    pollfd p{server->fd(), POLLIN, 0};
    ::poll(&p, 1, 2000);
    server->serve([](const std::string& req) { return "you said " + req + "\n"; });
  });
  auto answer = control_request(path, "status");
  t.join();
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(*answer, "you said status\n");
}

TEST(Control, StaleSocketIsReplacedButALiveOneIsNot) {
  testing::TempDir dir;
  std::string path = (dir.path() / "sntpd.sock").string();
  {
    auto first = ControlServer::listen(path);
    ASSERT_TRUE(first.ok());
    auto second = ControlServer::listen(path);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find("another daemon"), std::string::npos);
  }
  // The first is gone (its socket removed); a crash would leave the file:
  // simulate one and start again.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof(a.sun_path), "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ::close(fd);
  auto again = ControlServer::listen(path);
  EXPECT_TRUE(again.ok()) << again.error().message;
}

TEST(Control, NoDaemonIsAClearError) {
  auto r = control_request("/nonexistent/dir/sntpd.sock", "status");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cannot connect to /nonexistent/dir/sntpd.sock"), std::string::npos);
}

}  // namespace
}  // namespace lansync::os
