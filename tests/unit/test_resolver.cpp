// os::Resolver: names resolved on a helper thread, answers through a pollable fd.
#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "os/net_resolver.hpp"

namespace lansync::os {
namespace {

// Waits (at most 10 s: a liveness bound, not a timing figure) until fd is readable.
bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 10'000) == 1;
}

SocketAddress loopback(uint16_t port) {
  auto a = resolve(HostPort{"127.0.0.1", port});
  return a ? a->front() : SocketAddress{};
}

TEST(Resolver, AnswersCarryTheirIdsInOrder) {
  Resolver r([](const HostPort& hp) -> OsResult<std::vector<SocketAddress>> {
    if (hp.host == "offline.test")
      return code_error(std::errc::host_unreachable, "cannot resolve 'offline.test'");
    return std::vector<SocketAddress>{loopback(hp.port), loopback(static_cast<uint16_t>(hp.port + 1))};
  });
  r.request(7, HostPort{"pool.test", 123});
  r.request(9, HostPort{"offline.test", 123});
  std::vector<Resolver::Answer> got;
  while (got.size() < 2 && readable(r.fd())) {
    for (auto& a : r.take()) got.push_back(std::move(a));
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].id, 7u);
  ASSERT_TRUE(got[0].addresses);
  ASSERT_EQ(got[0].addresses->size(), 2u);
  EXPECT_EQ((*got[0].addresses)[1].to_string(), "127.0.0.1:124");
  EXPECT_EQ(got[1].id, 9u);
  ASSERT_FALSE(got[1].addresses);
  EXPECT_EQ(got[1].addresses.error().message.rfind("cannot resolve 'offline.test'", 0), 0u);
}

TEST(Resolver, NothingWaitingMeansNotReadable) {
  Resolver r(
      [](const HostPort&) -> OsResult<std::vector<SocketAddress>> { return std::vector<SocketAddress>{}; });
  pollfd p{r.fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0);
  EXPECT_TRUE(r.take().empty());
}

TEST(Resolver, TheDefaultLookupResolvesANumericAddressWithoutDns) {
  Resolver r;
  r.request(1, HostPort{"::1", 11123});
  ASSERT_TRUE(readable(r.fd()));
  auto answers = r.take();
  ASSERT_EQ(answers.size(), 1u);
  ASSERT_TRUE(answers[0].addresses);
  EXPECT_EQ(answers[0].addresses->front().to_string(), "[::1]:11123");
}

TEST(Resolver, DestroyingItDoesNotWaitForALookupInProgress) {
  auto release = std::make_shared<std::atomic<bool>>(false);
  auto started = std::make_shared<std::atomic<bool>>(false);
  {
    Resolver r([release, started](const HostPort&) -> OsResult<std::vector<SocketAddress>> {
      *started = true;
      while (!*release)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a DNS server that never answers
      return std::vector<SocketAddress>{};
    });
    r.request(1, HostPort{"slow.test", 123});
    for (int i = 0; i < 10'000 && !*started; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_TRUE(*started);
  }  // returns while the lookup still blocks
  *release = true;
}

}  // namespace
}  // namespace lansync::os
