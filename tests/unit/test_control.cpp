// Tests of the local control socket (os/ipc_control).
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "../support/temp_dir.hpp"
#include "os/clock.hpp"
#include "os/ipc_control.hpp"

namespace lansync::os {
namespace {

TEST(Control, AnswersARequestLine) {
  testing::TempDir dir;
  std::string path = (dir.path() / "run" / "sntpd.sock").string();
  auto server = ControlServer::listen(path);
  ASSERT_TRUE(server.ok()) << server.error().message;
  // As sntpd's loop does: poll the socket and the open connections, serve what is readable.
  std::thread t([&] {
    bool answered = false;
    for (int round = 0; round < 200 && !answered; ++round) {
      std::vector<pollfd> fds;
      for (int fd : server->fds()) fds.push_back({fd, POLLIN, 0});
      ::poll(fds.data(), fds.size(), 10);
      server->serve(
          [&](const std::string& req) {
            answered = true;
            return "you said " + req + "\n";
          },
          monotonic_ns());
    }
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

// A client socket connected to path, non-blocking.
int connect_to(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof(a.sun_path), "%s", path.c_str());
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  return fd;
}

// What the server sent on fd, and whether it then closed it; waits up to 2 s for the close.
std::string read_all(int fd, bool* closed) {
  std::string out;
  *closed = false;
  for (int round = 0; round < 200; ++round) {
    char buf[65536];
    ssize_t got = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (got == 0) {
      *closed = true;
      break;
    }
    if (got > 0) {
      out.append(buf, static_cast<size_t>(got));
      continue;
    }
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 10);
  }
  return out;
}

ControlServer::Handler echo() {
  return [](const std::string& req) { return "you said " + req + "\n"; };
}

TEST(Control, SocketIsForItsGroupOnly) {
  testing::TempDir dir;
  std::string path = (dir.path() / "sntpd.sock").string();
  auto server = ControlServer::listen(path, static_cast<int>(::getgid()));
  ASSERT_TRUE(server.ok()) << server.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  EXPECT_EQ(st.st_gid, ::getgid());
}

TEST(Control, AClientThatTricklesDoesNotHoldTheLoopAndIsClosedAtItsDeadline) {
  testing::TempDir dir;
  std::string path = (dir.path() / "sntpd.sock").string();
  auto server = ControlServer::listen(path);
  ASSERT_TRUE(server.ok());
  int slow = connect_to(path);
  ASSERT_EQ(::send(slow, "sta", 3, 0), 3);
  int64_t t0 = monotonic_ns();
  server->serve(echo(), t0);  // returns at once: the line is not complete
  EXPECT_EQ(server->connections(), 1u);
  EXPECT_EQ(server->next_deadline_mono_ns(), t0 + kControlDeadlineNs);

  // Meanwhile another client is answered.
  int quick = connect_to(path);
  ASSERT_EQ(::send(quick, "status\n", 7, 0), 7);
  server->serve(echo(), t0 + 1);
  bool closed = false;
  EXPECT_EQ(read_all(quick, &closed), "you said status\n");
  EXPECT_TRUE(closed);
  EXPECT_EQ(server->connections(), 1u);

  // The slow one's line completes too late: it is closed unanswered.
  ASSERT_EQ(::send(slow, "tu", 2, 0), 2);
  server->serve(echo(), t0 + kControlDeadlineNs);
  EXPECT_EQ(server->connections(), 0u);
  EXPECT_EQ(server->next_deadline_mono_ns(), INT64_MAX);
  EXPECT_EQ(read_all(slow, &closed), "");
  EXPECT_TRUE(closed);
  ::close(slow);
  ::close(quick);
}

TEST(Control, ANewConnectionBeyondTheLimitClosesTheOldest) {
  testing::TempDir dir;
  std::string path = (dir.path() / "sntpd.sock").string();
  auto server = ControlServer::listen(path);
  ASSERT_TRUE(server.ok());
  std::vector<int> clients;
  for (size_t i = 0; i <= kMaxControlConnections; ++i) {
    clients.push_back(connect_to(path));
    server->serve(echo(), monotonic_ns());
  }
  EXPECT_EQ(server->connections(), kMaxControlConnections);
  bool closed = false;
  read_all(clients.front(), &closed);
  EXPECT_TRUE(closed);
  for (int fd : clients) ::close(fd);
}

TEST(Control, ALineTooLongGetsNoAnswer) {
  testing::TempDir dir;
  std::string path = (dir.path() / "sntpd.sock").string();
  auto server = ControlServer::listen(path);
  ASSERT_TRUE(server.ok());
  int fd = connect_to(path);
  std::string junk(kMaxControlRequest + 100, 'x');
  ASSERT_EQ(::send(fd, junk.data(), junk.size(), 0), static_cast<ssize_t>(junk.size()));
  server->serve(echo(), monotonic_ns());
  EXPECT_EQ(server->connections(), 0u);
  bool closed = false;
  EXPECT_EQ(read_all(fd, &closed), "");
  EXPECT_TRUE(closed);
  ::close(fd);
}

TEST(Control, ALargeAnswerReachesAClientThatReadsOnlyAfterwards) {
  testing::TempDir dir;
  std::string path = (dir.path() / "sntpd.sock").string();
  auto server = ControlServer::listen(path);
  ASSERT_TRUE(server.ok());
  int fd = connect_to(path);
  ASSERT_EQ(::send(fd, "clients\n", 8, 0), 8);
  std::string big(150'000, 'c');  // about 1000 clients' lines
  server->serve([&](const std::string&) { return big; }, monotonic_ns());
  bool closed = false;
  EXPECT_EQ(read_all(fd, &closed).size(), big.size());
  EXPECT_TRUE(closed);
  ::close(fd);
}

TEST(Control, NoDaemonIsAClearError) {
  auto r = control_request("/nonexistent/dir/sntpd.sock", "status");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cannot connect to /nonexistent/dir/sntpd.sock"), std::string::npos);
}

}  // namespace
}  // namespace lansync::os
