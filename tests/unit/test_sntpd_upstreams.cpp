// Tests of sntpd's upstream polls against a server on loopback (tools/sntpd/upstreams): signed requests.
//
// The test plays the server itself, on 127.0.0.1: it reads sntpd's request,
// checks its MAC, and answers unsigned, signed with another key, then signed
// with the upstream's key; only the last reply may become a sample.  The
// clock is only read (no clock control).
#include <gtest/gtest.h>
#include <poll.h>

#include <optional>
#include <vector>

#include "../support/test_keys.hpp"
#include "os/udp.hpp"
#include "proto/auth.hpp"
#include "upstreams.hpp"

namespace lansync::sntpd {
namespace {

using codec::NtpHeader;

constexpr int64_t kMs = 1'000'000;

struct Server {
  os::UdpSocket socket;
  os::SocketAddress address;

  Server() {
    socket = std::move(*os::UdpSocket::open(AF_INET));
    auto any = os::resolve({"127.0.0.1", 0}, true);
    EXPECT_TRUE(socket.bind(any->front()).ok());
    address = *socket.local_address();
  }

  // Polls upstreams until a request arrives (at most 3 s); its bytes, and where it came from.
  std::optional<std::vector<uint8_t>> next_request(Upstreams& upstreams, os::SocketAddress* from) {
    for (int i = 0; i < 300; ++i) {
      upstreams.poll_once();
      pollfd p{socket.fd(), POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      uint8_t buf[512];
      auto d = socket.receive(buf, sizeof(buf));
      if (!d) continue;
      *from = d->from;
      return std::vector<uint8_t>(buf, buf + d->size);
    }
    return std::nullopt;
  }

  // Answers request as a synchronized stratum-2 server, signed with key_id (0: unsigned).
  void reply(const NtpHeader& request, const os::SocketAddress& to, const proto::MacKeys& keys,
             uint32_t key_id) {
    os::SystemClock clock;
    NtpHeader h;
    h.mode = codec::Mode::Server;
    h.stratum = 2;
    h.refid = 0xC0A80401;
    h.origin = request.transmit;
    h.receive = codec::to_ntp(clock.now_ns());
    h.transmit = codec::to_ntp(clock.now_ns());
    uint8_t out[codec::kHeaderSize + codec::kMaxV3MacSize];
    size_t size = codec::encode(h, out, sizeof(out));
    if (key_id != 0) size = proto::sign_packet(out, size, sizeof(out), key_id, keys);
    ASSERT_GT(size, 0u);
    ASSERT_TRUE(socket.send(out, size, &to).ok());
  }
};

// Lets sntpd read what was sent, then returns the server's status line.
UpstreamStatus settle(Upstreams& upstreams) {
  for (int i = 0; i < 20; ++i) {
    ::poll(nullptr, 0, 5);
    upstreams.poll_once();
  }
  std::vector<UpstreamStatus> s = upstreams.status();
  EXPECT_EQ(s.size(), 1u);
  return s.empty() ? UpstreamStatus{} : s.front();
}

UpstreamConfig config(const os::SocketAddress& server) {
  UpstreamConfig c;
  c.clock_control = false;
  c.lookup = [server](const os::HostPort&) { return os::OsResult<std::vector<os::SocketAddress>>({server}); };
  return c;
}

TEST(SntpdUpstreams, SignsRequestsAndUsesOnlyRepliesSignedAlike) {
  auto keys = testing::client_test_keys();
  Server server;
  os::SystemClock clock;
  Upstreams upstreams(clock, config(server.address));
  upstreams.add_name("127.0.0.1", {"127.0.0.1", server.address.port()}, keys.get(), 1);

  os::SocketAddress from;
  auto request = server.next_request(upstreams, &from);
  ASSERT_TRUE(request.has_value());
  auto layout = codec::decode(request->data(), request->size());
  ASSERT_TRUE(layout.ok());
  proto::AuthCheck auth = proto::check_auth(request->data(), *layout, keys.get());
  EXPECT_EQ(auth.status, proto::AuthStatus::Ok);
  EXPECT_EQ(auth.key_id, 1u);

  server.reply(layout->header, from, *keys, 0);
  UpstreamStatus s = settle(upstreams);
  EXPECT_FALSE(s.has_sample);
  EXPECT_EQ(s.state, "reply not authenticated");
  server.reply(layout->header, from, *keys, 2);
  s = settle(upstreams);
  EXPECT_FALSE(s.has_sample);
  EXPECT_EQ(s.state, "reply's MAC does not verify");
  // The forgeries did not use up the request: the genuine reply counts.
  server.reply(layout->header, from, *keys, 1);
  s = settle(upstreams);
  EXPECT_TRUE(s.has_sample) << s.state;
  EXPECT_EQ(s.stratum, 2);
}

TEST(SntpdUpstreams, WithoutAKeyRequestsStayBare) {
  auto keys = testing::client_test_keys();
  Server server;
  os::SystemClock clock;
  Upstreams upstreams(clock, config(server.address));
  upstreams.add_name("127.0.0.1", {"127.0.0.1", server.address.port()});

  os::SocketAddress from;
  auto request = server.next_request(upstreams, &from);
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->size(), codec::kHeaderSize);
  auto layout = codec::decode(request->data(), request->size());
  ASSERT_TRUE(layout.ok());
  // A signed reply to an unsigned request is used all the same (its MAC is not looked at).
  server.reply(layout->header, from, *keys, 2);
  EXPECT_TRUE(settle(upstreams).has_sample);
}

}  // namespace
}  // namespace lansync::sntpd
