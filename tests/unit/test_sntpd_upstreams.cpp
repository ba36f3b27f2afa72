// Tests of sntpd's upstream polls against a server on loopback (tools/sntpd/upstreams): signed requests, KoD.
//
// The test plays the server itself, on 127.0.0.1: it reads sntpd's request,
// checks its MAC, and answers unsigned, signed with another key, then signed
// with the upstream's key; only the last reply may become a sample, and each
// other one is counted.  Kiss-o'-Death DENY ends the polls, RATE slows them.
// The clock is only read: without clock control, and with it too, where what
// the servers ask of the clock comes back as an action for the caller.
#include <gtest/gtest.h>
#include <poll.h>

#include <optional>
#include <vector>

#include "../support/test_keys.hpp"
#include "os/clock_simulated.hpp"
#include "os/net_udp.hpp"
#include "proto/auth.hpp"
#include "upstream/upstreams.hpp"

namespace lansync::sntpd {
namespace {

using codec::NtpHeader;

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

  // The header of the next request, decoded (nothing if none came or it does not decode); its size in *size.
  std::optional<NtpHeader> next_header(Upstreams& upstreams, os::SocketAddress* from, size_t* size) {
    auto request = next_request(upstreams, from);
    if (!request) return std::nullopt;
    auto layout = codec::decode(request->data(), request->size());
    if (!layout.ok()) return std::nullopt;
    *size = request->size();
    return layout->header;
  }

  // Answers request as a synchronized stratum-2 server, signed with key_id (0: unsigned);
  // with a kiss code, a Kiss-o'-Death instead.  Returns the bytes sent.
  std::vector<uint8_t> reply(const NtpHeader& request, const os::SocketAddress& to,
                             const proto::MacKeys& keys, uint32_t key_id, const char* kiss = nullptr) {
    os::SystemClock clock;
    NtpHeader h;
    h.mode = codec::Mode::Server;
    h.stratum = kiss != nullptr ? 0 : 2;
    h.refid = kiss != nullptr ? codec::refid_from_ascii(kiss) : 0xC0A80401;
    h.origin = request.transmit;
    h.receive = codec::to_ntp(clock.now_ns());
    h.transmit = codec::to_ntp(clock.now_ns());
    uint8_t out[codec::kHeaderSize + codec::kMaxV3MacSize];
    size_t size = codec::encode(h, out, sizeof(out));
    if (key_id != 0) size = proto::sign_packet(out, size, sizeof(out), key_id, keys);
    EXPECT_GT(size, 0u);
    EXPECT_TRUE(socket.send(out, size, &to).ok());
    return {out, out + size};
  }
};

// Lets sntpd read what was sent, then returns the server's status line.
UpstreamSnapshot settle(Upstreams& upstreams) {
  for (int i = 0; i < 20; ++i) {
    ::poll(nullptr, 0, 5);
    upstreams.poll_once();
  }
  std::vector<UpstreamSnapshot> s = upstreams.status();
  EXPECT_EQ(s.size(), 1u);
  return s.empty() ? UpstreamSnapshot{} : s.front();
}

UpstreamConfig config(const os::SocketAddress& server) {
  UpstreamConfig c;
  c.clock_control = false;
  c.lookup = [server](const os::HostPort&) { return os::OsResult<std::vector<os::SocketAddress>>({server}); };
  return c;
}

// An upstream without a key on the test's server, and the first request it sent.
struct UnsignedUpstream {
  Server server;
  os::SystemClock clock;
  Upstreams upstreams{clock, config(server.address)};
  os::SocketAddress from;
  size_t size = 0;
  std::optional<NtpHeader> request;

  UnsignedUpstream() {
    upstreams.add_name("127.0.0.1", {"127.0.0.1", server.address.port()});
    request = server.next_header(upstreams, &from, &size);
  }
};

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
  UpstreamSnapshot s = settle(upstreams);
  EXPECT_FALSE(s.offset_ns.has_value());
  EXPECT_EQ(s.state, "reply not authenticated");
  server.reply(layout->header, from, *keys, 2);
  s = settle(upstreams);
  EXPECT_FALSE(s.offset_ns.has_value());
  EXPECT_EQ(s.state, "reply's MAC does not verify");
  EXPECT_EQ(s.rejected[core::index(core::Rejection::Unauthenticated)], 1u);
  EXPECT_EQ(s.rejected[core::index(core::Rejection::BadMac)], 1u);
  // The forgeries did not use up the request: the genuine reply counts.
  auto genuine = server.reply(layout->header, from, *keys, 1);
  s = settle(upstreams);
  EXPECT_TRUE(s.offset_ns.has_value()) << s.state;
  EXPECT_EQ(s.stratum, 2);
  // The same reply again, MAC and all: it answers no request any more.
  ASSERT_TRUE(server.socket.send(genuine.data(), genuine.size(), &from).ok());
  s = settle(upstreams);
  EXPECT_EQ(s.rejected[core::index(core::Rejection::Stray)], 1u);
  EXPECT_EQ(s.rejected[core::index(core::Rejection::BadMac)], 1u);
}

TEST(SntpdUpstreams, DenyKissEndsThePollsAndRateSlowsThem) {
  auto keys = testing::client_test_keys();
  for (const char* code : {"DENY", "RSTR", "RATE"}) {
    UnsignedUpstream u;
    ASSERT_TRUE(u.request.has_value());
    int64_t sent_mono = os::monotonic_ns();
    u.server.reply(*u.request, u.from, *keys, 0, code);
    UpstreamSnapshot s = settle(u.upstreams);
    EXPECT_FALSE(s.offset_ns.has_value());
    if (std::string(code) == "RATE") {
      EXPECT_EQ(s.state, "kod RATE");
      EXPECT_EQ(s.poll_s, int64_t{1} << (core::kMinPollLog2 + 1));
      EXPECT_LT(u.upstreams.next_due_ns(), INT64_MAX);
    } else {
      EXPECT_EQ(s.state, std::string("kod ") + code + ", not polled");
      // Never polled again: what may be due is its name's resolution again, for an address not
      // polled before (core/upstream_pool); the lookup here gives none, so it backs off from 2 s.
      EXPECT_GE(u.upstreams.next_due_ns(), sent_mono + 2'000'000'000);
    }
  }
}

// With clock control, the agreement of the first samples comes back as a step for the caller to
// apply (upstream_clock.hpp): the clock is read, never set, and followed only once applied.
TEST(SntpdUpstreams, ReturnsTheStepItNeedsAndLeavesTheClockAlone) {
  constexpr int64_t kBehindNs = -5'000'000'000;
  auto keys = testing::client_test_keys();
  Server server;
  os::SystemClock system;
  os::SimulatedClock clock(system, kBehindNs);  // 5 s behind the server
  UpstreamConfig c = config(server.address);
  c.clock_control = true;
  Upstreams upstreams(clock, c);
  upstreams.add_name("127.0.0.1", {"127.0.0.1", server.address.port()});
  std::optional<UpstreamAction> action;
  for (size_t n = 0; n < core::kAgreementSamples && !action; ++n) {
    os::SocketAddress from;
    size_t size = 0;
    auto request = server.next_header(upstreams, &from, &size);
    ASSERT_TRUE(request.has_value()) << "request " << n;
    server.reply(*request, from, *keys, 0);
    for (int i = 0; i < 200 && !action; ++i) {  // at most 2 s for the reply to come in
      ::poll(nullptr, 0, 10);
      action = upstreams.poll_once();
    }
  }
  ASSERT_TRUE(action.has_value()) << "no correction asked for";
  EXPECT_EQ(action->discipline.kind, core::Discipline::Step);
  EXPECT_GT(action->discipline.offset_ns, -kBehindNs - 1'000'000'000);  // forward by about 5 s
  EXPECT_LT(action->discipline.offset_ns, -kBehindNs + 1'000'000'000);
  EXPECT_EQ(action->source, "ntp:127.0.0.1");
  EXPECT_EQ(action->reference.stratum, 2);
  EXPECT_TRUE(action->first);
  EXPECT_EQ(clock.offset_ns(), kBehindNs) << "Upstreams set the clock itself";
  EXPECT_FALSE(upstreams.follower().reference().has_value()) << "followed before the step was applied";
  upstreams.applied(*action, true);
  ASSERT_TRUE(upstreams.follower().reference().has_value());
  EXPECT_EQ(upstreams.follower().reference()->stratum, 2);
  EXPECT_TRUE(upstreams.follower().disciplined());
  // The step's root distance holds the offset it corrected; the reference's after it does not,
  // and that is what the kernel is told (UpstreamSet::mark_stepped_locked), below the 5 s.
  core::UpstreamReference r = *upstreams.follower().reference();
  EXPECT_GT(action->distance_ns, -kBehindNs - 1'000'000'000);
  EXPECT_LT(r.root_distance_ns(), -kBehindNs / 2);
  upstreams.applied(*action, false);  // a clock that refuses: never followed again
  EXPECT_FALSE(upstreams.follower().reference().has_value());
  EXPECT_FALSE(upstreams.follower().disciplined());
}

TEST(SntpdUpstreams, ARefusingAddressOfAPoolGivesWayToAFreshOne) {
  auto keys = testing::client_test_keys();
  Server first;
  Server second;
  os::SystemClock clock;
  UpstreamConfig c = config(first.address);
  c.max_sources = 1;
  c.lookup = [a = first.address, b = second.address](const os::HostPort&) {
    return os::OsResult<std::vector<os::SocketAddress>>({a, b});
  };
  Upstreams upstreams(clock, c);
  upstreams.add_name("pool.test", {"pool.test", first.address.port()});
  os::SocketAddress from;
  size_t size = 0;
  auto request = first.next_header(upstreams, &from, &size);
  ASSERT_TRUE(request.has_value());
  ASSERT_EQ(upstreams.status().size(), 1u);  // --max-sources 1: the second address waits
  first.reply(*request, from, *keys, 0, "DENY");
  EXPECT_TRUE(second.next_header(upstreams, &from, &size).has_value()) << "the fresh address is not polled";
  std::vector<UpstreamSnapshot> st = upstreams.status();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].server, "pool.test");
  EXPECT_EQ(st[0].address, second.address.to_string());
}

TEST(SntpdUpstreams, ParsesHostsAndKeys) {
  auto specs = parse_upstreams({"a.example", "key", "7", "192.0.2.1:123", "b.example", "key", "4294967295"});
  ASSERT_TRUE(specs.ok());
  ASSERT_EQ(specs->size(), 3u);
  EXPECT_EQ((*specs)[0].text, "a.example");
  EXPECT_EQ((*specs)[0].key_id, 7u);
  EXPECT_EQ((*specs)[1].key_id, 0u);
  EXPECT_EQ((*specs)[2].key_id, 4294967295u);
  for (std::vector<std::string> bad : {std::vector<std::string>{"key", "1"},
                                       {"a", "key"},
                                       {"a", "key", "0"},
                                       {"a", "key", "x"},
                                       {"a", "key", "4294967296"},
                                       {"a", "key", "1", "key", "2"}}) {
    auto r = parse_upstreams(bad);
    EXPECT_FALSE(r.ok()) << bad.size();
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("key"), std::string::npos);
    }
  }
}

TEST(SntpdUpstreams, ParsesNts) {
  auto specs = parse_upstreams({"time.example", "nts", "192.0.2.1:4461", "nts", "b.example"});
  ASSERT_TRUE(specs.ok());
  ASSERT_EQ(specs->size(), 3u);
  EXPECT_TRUE((*specs)[0].nts);
  EXPECT_TRUE((*specs)[1].nts);
  EXPECT_FALSE((*specs)[2].nts);
  for (std::vector<std::string> bad : {std::vector<std::string>{"nts"},
                                       {"a", "nts", "nts"},
                                       {"a", "key", "1", "nts"},
                                       {"a", "nts", "key", "1"}}) {
    EXPECT_FALSE(parse_upstreams(bad).ok()) << bad.size();
  }
}

TEST(SntpdUpstreams, WithoutAKeyRequestsStayBare) {
  auto keys = testing::client_test_keys();
  UnsignedUpstream u;
  ASSERT_TRUE(u.request.has_value());
  EXPECT_EQ(u.size, codec::kHeaderSize);
  // A signed reply to an unsigned request is used all the same (its MAC is not looked at).
  u.server.reply(*u.request, u.from, *keys, 2);
  EXPECT_TRUE(settle(u.upstreams).offset_ns.has_value());
}

TEST(SntpdUpstreams, StatusSaysWhetherReachableSinceWhenAndWhyNoCorrection) {
  auto keys = testing::client_test_keys();
  UnsignedUpstream u;
  ASSERT_TRUE(u.request.has_value());
  os::SystemClock clock;
  // Polled, never answered: unreachable since it was added.
  UpstreamSnapshot s = settle(u.upstreams);
  EXPECT_FALSE(s.reachable);
  ASSERT_TRUE(s.reachable_since_ns.has_value());
  EXPECT_GE(*s.reachable_since_ns, 0);
  EXPECT_LE(*s.reachable_since_ns, clock.now_ns());
  int64_t unreachable_since = *s.reachable_since_ns;
  SelectionSnapshot sel = u.upstreams.follower().snapshot();
  EXPECT_EQ(sel.reachable, 0);
  EXPECT_EQ(sel.min_sources, 1);
  EXPECT_EQ(sel.problem, "no server reachable (none answered any of its last 8 polls)");
  // One usable reply: reachable from then on; one sample is not enough to follow it yet.
  u.server.reply(*u.request, u.from, *keys, 0);
  s = settle(u.upstreams);
  EXPECT_TRUE(s.reachable);
  EXPECT_GE(s.reachable_since_ns.value_or(-1), unreachable_since);
  sel = u.upstreams.follower().snapshot();
  EXPECT_EQ(sel.reachable, 1);
  EXPECT_EQ(sel.agreeing, 0);
  EXPECT_EQ(sel.problem, "waiting for 3 consistent samples from a server");
}

}  // namespace
}  // namespace lansync::sntpd
