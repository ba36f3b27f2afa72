// Tests of the NTP client's I/O loop against scripted servers on loopback (flow/ntp_client).
//
// Each scripted server runs in a thread on 127.0.0.1 and answers as told:
// correctly, with a kiss, with stray packets first, or not at all; signed
// with a key, with the wrong one, or unsigned.
#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <functional>
#include <thread>

#include "../support/test_keys.hpp"
#include "core/server.hpp"
#include "flow/ntp_client.hpp"
#include "os/clock_simulated.hpp"
#include "os/crypto_keys.hpp"
#include "os/net_udp.hpp"
#include "proto/auth.hpp"

namespace lansync::os {
namespace {

using codec::NtpHeader;

constexpr int64_t kMs = 1'000'000;

// Answers each request with what `respond` writes; sends nothing if it returns 0 packets.
class ScriptedServer {
 public:
  // Gets the decoded request and its receive time; appends reply packets to send.
  using Respond = std::function<void(const NtpHeader& request, int64_t rx_ns, std::vector<NtpHeader>* out)>;
  // Appends a MAC to reply number `index` of a request; returns the new size (size: unsigned).
  using Sign = std::function<size_t(uint8_t* packet, size_t size, size_t cap, size_t index)>;

  explicit ScriptedServer(Respond respond, Sign sign = {})
      : respond_(std::move(respond)), sign_(std::move(sign)) {
    auto sock = UdpSocket::open(AF_INET);
    EXPECT_TRUE(sock.ok());
    socket_ = std::move(*sock);
    auto addr = resolve({"127.0.0.1", 0}, true);
    EXPECT_TRUE(socket_.bind(addr->front()).ok());
    address_ = *socket_.local_address();
    thread_ = std::thread([this] { loop(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    thread_.join();
  }
  const SocketAddress& address() const { return address_; }
  int requests() const { return requests_; }

 private:
  void loop() {
    SystemClock clock;
    // Bounded: the thread ends when the test does, and each wait is 10 ms.
    while (!stop_) {
      pollfd p{socket_.fd(), POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      uint8_t buf[512];
      auto d = socket_.receive(buf, sizeof(buf));
      if (!d) continue;
      auto req = codec::decode(buf, d->size);
      if (!req) continue;
      ++requests_;
      std::vector<NtpHeader> replies;
      respond_(req->header, d->kernel_timestamp ? d->rx_ns : clock.now_ns(), &replies);
      for (size_t i = 0; i < replies.size(); ++i) {
        NtpHeader& r = replies[i];
        uint8_t out[codec::kHeaderSize + codec::kMaxV3MacSize];
        if (r.transmit.is_zero()) r.transmit = codec::to_ntp(clock.now_ns());
        size_t size = codec::encode(r, out, sizeof(out));
        if (sign_) size = sign_(out, size, sizeof(out), i);
        (void)socket_.send(out, size, &d->from);
      }
    }
  }

  Respond respond_;
  Sign sign_;
  UdpSocket socket_;
  SocketAddress address_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
};

// A synchronized stratum-2 server whose clock is offset_ns ahead.
ScriptedServer::Respond good_server(int64_t offset_ns = 0) {
  return [offset_ns](const NtpHeader& req, int64_t rx_ns, std::vector<NtpHeader>* out) {
    proto::ReferenceState ref = proto::local_reference(2, -20, rx_ns + offset_ns, rx_ns + offset_ns);
    NtpHeader reply;
    proto::make_reply(req, rx_ns + offset_ns, ref, &reply);
    SystemClock clock;
    reply.transmit = codec::to_ntp(clock.now_ns() + offset_ns);
    out->push_back(reply);
  };
}

// A server that answers every request with a Kiss-o'-Death carrying code.
ScriptedServer::Respond kiss_server(const char* code) {
  return [code](const NtpHeader& req, int64_t rx_ns, std::vector<NtpHeader>* out) {
    NtpHeader kod;
    proto::make_reply(req, rx_ns, proto::unsynchronized_reference(-20), &kod);
    kod.stratum = 0;
    kod.refid = codec::refid_from_ascii(code);
    out->push_back(kod);
  };
}

flow::QueryOptions options(int samples, int64_t timeout_ns = 1000 * kMs) {
  flow::QueryOptions o;
  o.samples = samples;
  o.timeout_ns = timeout_ns;
  return o;
}

// Each request gets two replies; the server's signer decides how each is signed.
ScriptedServer::Respond twice(ScriptedServer::Respond one) {
  return [one](const NtpHeader& req, int64_t rx_ns, std::vector<NtpHeader>* out) {
    one(req, rx_ns, out);
    one(req, rx_ns, out);
  };
}

TEST(NtpClient, ASignedQueryTakesOnlyRepliesSignedWithItsKey) {
  auto keys = testing::client_test_keys();
  // A forged reply (key 2, then unsigned) arrives before each genuine one: it must not use up the request.
  for (uint32_t forged : {2u, 0u}) {
    ScriptedServer server(twice(good_server()), [&](uint8_t* p, size_t size, size_t cap, size_t index) {
      uint32_t key = index == 0 ? forged : 1;
      return key == 0 ? size : proto::sign_packet(p, size, cap, key, *keys);
    });
    SystemClock clock;
    flow::QueryOptions o = options(3);
    o.keys = keys.get();
    o.key_id = 1;
    auto r = flow::query_servers(clock, {server.address()}, o)[0];
    ASSERT_TRUE(r.usable) << "forged with key " << forged;
    EXPECT_EQ(r.samples_ok, 3);
  }
}

TEST(NtpClient, UnsignedOrBadlySignedRepliesAreRefused) {
  auto keys = testing::client_test_keys();
  struct Case {
    uint32_t key;
    proto::ReplyStatus status;
  };
  for (Case c : {Case{0, proto::ReplyStatus::Unauthenticated}, Case{2, proto::ReplyStatus::BadMac}}) {
    ScriptedServer server(good_server(), [&](uint8_t* p, size_t size, size_t cap, size_t) {
      return c.key == 0 ? size : proto::sign_packet(p, size, cap, c.key, *keys);
    });
    SystemClock clock;
    flow::QueryOptions o = options(2, 200 * kMs);
    o.keys = keys.get();
    o.key_id = 1;
    auto r = flow::query_servers(clock, {server.address()}, o)[0];
    EXPECT_FALSE(r.usable);
    EXPECT_EQ(r.status, c.status) << proto::describe(r.status);
    EXPECT_GT(r.replies, 0);
  }
}

TEST(NtpClient, MeasuresAServerThatIsAhead) {
  ScriptedServer server(good_server(2500 * kMs));
  SystemClock clock;
  auto reports = flow::query_servers(clock, {server.address()}, options(4));
  ASSERT_EQ(reports.size(), 1u);
  const flow::ServerReport& r = reports[0];
  ASSERT_TRUE(r.usable);
  EXPECT_EQ(r.samples_sent, 4);
  EXPECT_EQ(r.samples_ok, 4);
  // Loopback: the error is the server thread's scheduling, far below 50 ms.
  EXPECT_NEAR(static_cast<double>(r.best.offset_ns), 2500.0 * kMs, 50.0 * kMs);
  EXPECT_EQ(r.header.stratum, 2);
}

TEST(NtpClient, MeasuresAcrossTheNtpEraRollover) {
  // The client's (simulated) clock 0.2 s before 2036-02-07 06:28:16 UTC, where
  // the NTP seconds wrap to 0, and the server 0.2 s after it (era 1): all in
  // 64-bit nanoseconds, on 32-bit systems too.
  constexpr int64_t kEra1Ns = 2'085'978'496 * int64_t{1'000'000'000};
  SystemClock system;
  int64_t client_offset_ns = kEra1Ns - 200 * kMs - system.now_ns();
  SimulatedClock clock(system, client_offset_ns);
  ScriptedServer server(good_server(client_offset_ns + 400 * kMs));
  auto reports = flow::query_servers(clock, {server.address()}, options(4));
  ASSERT_EQ(reports.size(), 1u);
  const flow::ServerReport& r = reports[0];
  ASSERT_TRUE(r.usable);
  EXPECT_EQ(r.samples_ok, 4);
  ASSERT_LT(r.header.transmit.seconds, 10u);  // the server's transmit time wrapped on the wire
  EXPECT_NEAR(static_cast<double>(r.best.offset_ns), 400.0 * kMs, 50.0 * kMs);
}

TEST(NtpClient, RateKissStopsTheBurst) {
  ScriptedServer server(kiss_server("RATE"));
  SystemClock clock;
  auto r = flow::query_servers(clock, {server.address()}, options(64))[0];
  EXPECT_FALSE(r.usable);
  EXPECT_EQ(r.status, proto::ReplyStatus::KissOfDeath);
  EXPECT_STREQ(r.kiss_code, "RATE");
  // Requests sent before the kiss arrived may be a few, more on a loaded
  // machine (they go 1 ms apart); never the whole burst of 64.
  EXPECT_LT(r.samples_sent, 64);
}

TEST(NtpClient, InitKissIsReportedButDoesNotStopTheBurst) {
  ScriptedServer server(kiss_server("INIT"));
  SystemClock clock;
  auto r = flow::query_servers(clock, {server.address()}, options(3))[0];
  EXPECT_EQ(r.status, proto::ReplyStatus::KissOfDeath);
  EXPECT_STREQ(r.kiss_code, "INIT");
  EXPECT_EQ(r.samples_sent, 3);
}

TEST(NtpClient, StrayRepliesAreIgnored) {
  ScriptedServer server([](const NtpHeader& req, int64_t rx_ns, std::vector<NtpHeader>* out) {
    // A spoofed reply with a wrong origin, a broadcast, then the real one.
    std::vector<NtpHeader> real;
    good_server(0)(req, rx_ns, &real);
    NtpHeader spoof = real[0];
    spoof.origin.fraction ^= 0x1;
    spoof.transmit = codec::to_ntp(rx_ns + 3600 * 1000 * kMs);
    NtpHeader broadcast = real[0];
    broadcast.mode = codec::Mode::Broadcast;
    out->push_back(spoof);
    out->push_back(broadcast);
    out->push_back(real[0]);
  });
  SystemClock clock;
  auto r = flow::query_servers(clock, {server.address()}, options(3))[0];
  ASSERT_TRUE(r.usable);
  EXPECT_EQ(r.samples_ok, 3);
  EXPECT_LT(std::llabs(r.best.offset_ns), 50 * kMs);
}

TEST(NtpClient, UnsynchronizedServerIsNotUsable) {
  ScriptedServer server([](const NtpHeader& req, int64_t rx_ns, std::vector<NtpHeader>* out) {
    NtpHeader reply;
    proto::make_reply(req, rx_ns, proto::unsynchronized_reference(-20), &reply);
    out->push_back(reply);
  });
  SystemClock clock;
  auto r = flow::query_servers(clock, {server.address()}, options(2))[0];
  EXPECT_FALSE(r.usable);
  EXPECT_EQ(r.replies, 2);
  EXPECT_EQ(r.status, proto::ReplyStatus::Unsynchronized);
}

TEST(NtpClient, SilentServerTimesOutWithNoReplies) {
  ScriptedServer server([](const NtpHeader&, int64_t, std::vector<NtpHeader>*) {});
  SystemClock clock;
  auto r = flow::query_servers(clock, {server.address()}, options(2, 200 * kMs))[0];
  EXPECT_FALSE(r.usable);
  EXPECT_EQ(r.replies, 0);
  EXPECT_EQ(r.samples_sent, 2);
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(server.requests(), 2);
}

TEST(NtpClient, ClosedPortIsReportedAsAnError) {
  // Bind a port, then close it: nothing listens there any more.
  SocketAddress closed;
  {
    auto s = UdpSocket::open(AF_INET);
    ASSERT_TRUE(s->bind(resolve({"127.0.0.1", 0}, true)->front()).ok());
    closed = *s->local_address();
  }
  SystemClock clock;
  auto r = flow::query_servers(clock, {closed}, options(4))[0];
  EXPECT_FALSE(r.usable);
  EXPECT_FALSE(r.error.empty());
  EXPECT_EQ(r.replies, 0);
}

TEST(NtpClient, ServersAreQueriedTogether) {
  ScriptedServer a(good_server(0));
  ScriptedServer b(good_server(1000 * kMs));
  ScriptedServer silent([](const NtpHeader&, int64_t, std::vector<NtpHeader>*) {});
  SystemClock clock;
  auto reports =
      flow::query_servers(clock, {a.address(), silent.address(), b.address()}, options(2, 300 * kMs));
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_TRUE(reports[0].usable);
  EXPECT_FALSE(reports[1].usable);
  EXPECT_TRUE(reports[2].usable);
  EXPECT_NEAR(static_cast<double>(reports[2].best.offset_ns), 1000.0 * kMs, 50.0 * kMs);
}

}  // namespace
}  // namespace lansync::os
