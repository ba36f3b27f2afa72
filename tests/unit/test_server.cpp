// Unit tests of sntpd's request path (core/server): Server::handle's actions, access, rate limit,
// symmetric-active and interleaved mode, the transmit times it records.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "core/exchange.hpp"
#include "core/server.hpp"

namespace lansync::core {
namespace {

using codec::Leap;
using codec::Mode;
using codec::NtpHeader;

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kT0 = 1'795'000'000 * kS;

NtpHeader client_request(uint8_t version = 4) {
  NtpHeader h = proto::make_request_header({0xAABBCCDDu, 0x11223344u});
  h.version = version;
  h.poll_log2 = 6;
  return h;
}

IpAddress loopback() {
  IpAddress a;
  a.family = 4;
  a.bytes[0] = 127;
  a.bytes[3] = 1;
  return a;
}

struct RequestPath : ::testing::Test {
  ServerPolicy policy;
  proto::ReferenceState ref = proto::local_reference(10, -20, kT0, kT0);
  std::unique_ptr<Server> server;  // made with policy at the first request, or by restart()
  int64_t clock_ns = 0;            // the transmit clock; 0: 500 ns after the receive time
  int64_t rx_ns = 0;
  int64_t mono_step = 0;  // the monotonic clock minus the receive time (a step of the clock changes it)
  uint8_t reply[codec::kHeaderSize];
  size_t reply_size = 0;

  void restart() { server = std::make_unique<Server>(policy, 1024, 99); }
  static int64_t read_clock(void* self) {
    auto* t = static_cast<RequestPath*>(self);
    return t->clock_ns != 0 ? t->clock_ns : t->rx_ns + 500;
  }
  std::vector<uint8_t> packet(const NtpHeader& h, size_t extra = 0) {
    std::vector<uint8_t> p(codec::kHeaderSize + extra, 0);
    codec::encode(h, p.data(), p.size());
    return p;
  }
  ServerAction handle(const std::vector<uint8_t>& p, IpAddress from = loopback(), int64_t rx = kT0 + 1000,
                      uint32_t random = 1) {
    if (!server) restart();
    server->set_reference(ref);
    rx_ns = rx;
    ServerAction a = server->handle(p.data(), p.size(), from, rx, rx + mono_step, random, {&read_clock, this},
                                    reply, sizeof(reply));
    reply_size = a.respond ? a.size : 0;
    return a;
  }
  NtpHeader decoded_reply() { return codec::decode(reply, sizeof(reply))->header; }
  ClientTable& clients() {
    if (!server) restart();
    return server->clients();
  }
};

TEST_F(RequestPath, AnswersAClientRequest) {
  ServerAction out = handle(packet(client_request()));
  ASSERT_TRUE(out.respond);
  EXPECT_EQ(out.size, codec::kHeaderSize);
  EXPECT_FALSE(out.interleaved);
  EXPECT_FALSE(out.kod);
  NtpHeader r = decoded_reply();
  EXPECT_EQ(r.mode, Mode::Server);
  EXPECT_EQ(r.origin, (codec::NtpTimestamp{0xAABBCCDDu, 0x11223344u}));
  EXPECT_EQ(r.receive, codec::to_ntp(kT0 + 1000));
}

TEST_F(RequestPath, MalformedAndNonRequestsGetNothing) {
  std::vector<uint8_t> short_packet(20, 0x23);
  EXPECT_EQ(handle(short_packet).reason, proto::DropReason::Malformed);
  std::vector<uint8_t> ntpq(48, 0);
  ntpq[0] = 0x16;  // mode 6
  EXPECT_EQ(handle(ntpq).reason, proto::DropReason::Malformed);
  NtpHeader server_reply = client_request();
  server_reply.mode = Mode::Server;
  EXPECT_EQ(handle(packet(server_reply)).reason, proto::DropReason::NotRequest);
  NtpHeader passive = client_request();
  passive.mode = Mode::SymmetricPassive;
  EXPECT_EQ(handle(packet(passive)).reason, proto::DropReason::NotRequest);
  NtpHeader broadcast = client_request();
  broadcast.mode = Mode::Broadcast;
  EXPECT_EQ(handle(packet(broadcast)).reason, proto::DropReason::NotRequest);
  EXPECT_EQ(clients().in_use(), 0u);
}

NtpHeader peer_request() {
  NtpHeader h = client_request();
  h.mode = Mode::SymmetricActive;
  return h;
}

TEST_F(RequestPath, SymmetricActiveGetsAPassiveReply) {
  NtpHeader req = peer_request();
  req.stratum = 16;  // w32tm and a chrony peer without a source say they know nothing
  ServerAction out = handle(packet(req));
  ASSERT_TRUE(out.respond) << describe(out.reason);
  EXPECT_TRUE(out.passive);
  EXPECT_FALSE(out.interleaved);
  EXPECT_EQ(out.size, codec::kHeaderSize);
  NtpHeader r = decoded_reply();
  EXPECT_EQ(r.mode, Mode::SymmetricPassive);
  EXPECT_EQ(r.origin, req.transmit);  // the peer matches the reply by it
  EXPECT_EQ(r.receive, codec::to_ntp(kT0 + 1000));
  EXPECT_EQ(r.transmit, codec::to_ntp(kT0 + 1500));  // read from the clock last
  EXPECT_EQ(r.leap, Leap::None);
  EXPECT_EQ(r.stratum, 10);
  EXPECT_EQ(r.poll_log2, 6);
  // A client request is still answered in server mode, not passive.
  EXPECT_FALSE(handle(packet(client_request())).passive);
  EXPECT_EQ(decoded_reply().mode, Mode::Server);
}

TEST_F(RequestPath, SymmetricActiveKeepsNoPeerState) {
  // A basic symmetric peer puts our last transmit timestamp in its origin:
  // each request is answered on its own, echoing its transmit, as ntpd does
  // without an association.
  ASSERT_TRUE(handle(packet(peer_request()), loopback(), kT0 + 1000).respond);
  NtpHeader first = decoded_reply();
  codec::NtpTimestamp sent = codec::to_ntp(kT0 + 1500);
  NtpHeader req2 = peer_request();
  req2.origin = sent;
  req2.receive = codec::to_ntp(kT0 + 1600);
  req2.transmit = {0x0A0B0C0Du, 0x01020304u};
  ServerAction out = handle(packet(req2), loopback(), kT0 + 2 * kS);
  ASSERT_TRUE(out.respond);
  EXPECT_FALSE(out.interleaved);
  NtpHeader r = decoded_reply();
  EXPECT_EQ(r.mode, Mode::SymmetricPassive);
  EXPECT_EQ(r.origin, req2.transmit);
  EXPECT_EQ(r.receive, codec::to_ntp(kT0 + 2 * kS));
  EXPECT_FALSE(r.receive == first.receive);
  EXPECT_EQ(clients().in_use(), 1u);  // one rate-limit record, as for a client
}

TEST_F(RequestPath, SymmetricActiveWhileUnsynchronizedGivesLeapAlarm) {
  ref = proto::unsynchronized_reference(-20);
  ServerAction out = handle(packet(peer_request()));
  ASSERT_TRUE(out.respond);
  NtpHeader r = decoded_reply();
  EXPECT_EQ(r.mode, Mode::SymmetricPassive);
  EXPECT_EQ(r.leap, Leap::Unsynchronized);
  EXPECT_EQ(r.stratum, 0);
}

TEST_F(RequestPath, SymmetricActiveFollowsTheClientRules) {
  IpAddress outside;
  outside.family = 4;
  outside.bytes[0] = 8;
  outside.bytes[3] = 8;
  EXPECT_EQ(handle(packet(peer_request()), outside).reason, proto::DropReason::AccessDenied);
  // No reply larger than the request, extension field or not.
  std::vector<uint8_t> p = packet(peer_request(), 28);
  codec::store_be16(p.data() + 48, 0x0104);
  codec::store_be16(p.data() + 50, 28);
  ServerAction out = handle(p);
  ASSERT_TRUE(out.respond);
  EXPECT_LE(out.size, p.size());
  // Rate limit, with a KoD in passive mode.
  policy.rate_limit.enabled = true;
  policy.rate_limit.burst = 1;
  policy.rate_limit.kod = true;
  policy.rate_limit.leak_log2 = 4;
  restart();
  for (int i = 0; i < 4 && !out.kod; ++i) out = handle(packet(peer_request()));
  ASSERT_TRUE(out.kod);
  NtpHeader kod = decoded_reply();
  EXPECT_EQ(kod.mode, Mode::SymmetricPassive);
  EXPECT_EQ(kod.stratum, 0);
  EXPECT_EQ(kod.refid, codec::refid_from_ascii("RATE"));
}

TEST_F(RequestPath, ReplyIsNeverLargerThanTheRequest) {
  // A request carrying a 28-byte extension field still gets a 48-byte reply.
  std::vector<uint8_t> p = packet(client_request(), 28);
  codec::store_be16(p.data() + 48, 0x0104);
  codec::store_be16(p.data() + 50, 28);
  ServerAction out = handle(p);
  ASSERT_TRUE(out.respond);
  EXPECT_LE(out.size, p.size());
}

TEST_F(RequestPath, DeniedAddressesGetNothing) {
  IpAddress outside;
  outside.family = 4;
  outside.bytes[0] = 8;
  outside.bytes[3] = 8;
  ServerAction out = handle(packet(client_request()), outside);
  EXPECT_FALSE(out.respond);
  EXPECT_EQ(out.reason, proto::DropReason::AccessDenied);
  EXPECT_EQ(clients().in_use(), 0u);  // not even remembered
}

TEST_F(RequestPath, RateLimitDropsOrKisses) {
  policy.rate_limit.enabled = true;
  policy.rate_limit.burst = 2;
  policy.rate_limit.leak_log2 = 4;
  EXPECT_TRUE(handle(packet(client_request())).respond);
  EXPECT_TRUE(handle(packet(client_request())).respond);
  ServerAction dropped = handle(packet(client_request()));
  EXPECT_FALSE(dropped.respond);
  EXPECT_EQ(dropped.reason, proto::DropReason::RateLimited);
  policy.rate_limit.kod = true;
  restart();
  ServerAction kod;
  for (int i = 0; i < 3; ++i) kod = handle(packet(client_request()));
  ASSERT_TRUE(kod.respond);
  EXPECT_TRUE(kod.kod);
  NtpHeader r = decoded_reply();
  EXPECT_EQ(r.stratum, 0);
  EXPECT_EQ(r.leap, Leap::Unsynchronized);
  EXPECT_EQ(r.refid, codec::refid_from_ascii("RATE"));
  EXPECT_EQ(r.origin, (codec::NtpTimestamp{0xAABBCCDDu, 0x11223344u}));  // the client can match it
}

TEST_F(RequestPath, AStepOfTheClockBackLocksNoClientOut) {
  policy.rate_limit.enabled = true;
  policy.rate_limit.burst = 1;
  policy.rate_limit.interval_log2 = 3;  // one reply per 8 s
  policy.rate_limit.leak_log2 = 4;
  constexpr int64_t kHour = 3600 * kS;
  // A request every 10 s by the monotonic clock; after the first, the clock is stepped back an hour.
  EXPECT_TRUE(handle(packet(client_request()), loopback(), kT0).respond);
  mono_step = kHour;
  for (int i = 1; i <= 3; ++i) {
    ServerAction a = handle(packet(client_request()), loopback(), kT0 + i * 10 * kS - kHour);
    EXPECT_TRUE(a.respond) << "request " << i << ": " << describe(a.reason);
  }
  // Had the limiter run on the served clock (mono_step 0: what the step did to it), they would be dropped.
  restart();
  mono_step = 0;
  EXPECT_TRUE(handle(packet(client_request()), loopback(), kT0).respond);
  EXPECT_EQ(handle(packet(client_request()), loopback(), kT0 + 10 * kS - kHour).reason,
            proto::DropReason::RateLimited);
}

TEST_F(RequestPath, InterleavedExchangeAsChronyRunsIt) {
  // 1: a basic request; the server records its receive and transmit times.
  NtpHeader req1 = client_request();
  ServerAction out1 = handle(packet(req1), loopback(), kT0 + 1000);
  ASSERT_TRUE(out1.respond);
  EXPECT_FALSE(out1.interleaved);
  NtpHeader reply1 = decoded_reply();
  EXPECT_EQ(reply1.transmit, codec::to_ntp(kT0 + 1500));  // the server read its clock
  std::vector<uint8_t> sent1(reply, reply + out1.size);
  // The kernel reports when reply 1 really left, with the bytes it sent.
  codec::NtpTimestamp wire1 = codec::to_ntp(kT0 + 1520);
  EXPECT_TRUE(server->note_kernel_transmit(loopback(), sent1.data(), sent1.size(), kT0 + 1520));

  // 2: the client asks in interleaved mode: origin = our receive timestamp,
  // receive = when reply 1 reached it, transmit = its own.
  NtpHeader req2 = client_request();
  req2.origin = reply1.receive;
  req2.receive = codec::to_ntp(kT0 + 1600);
  req2.transmit = {0x01020304u, 0x05060708u};
  ServerAction out2 = handle(packet(req2), loopback(), kT0 + 64'000);
  ASSERT_TRUE(out2.respond);
  EXPECT_TRUE(out2.interleaved);
  EXPECT_TRUE(out2.want_tx_timestamp);
  NtpHeader reply2 = decoded_reply();
  EXPECT_EQ(reply2.origin, req2.receive);                  // how the client knows it is interleaved
  EXPECT_EQ(reply2.receive, codec::to_ntp(kT0 + 64'000));  // this exchange's receive
  EXPECT_EQ(reply2.transmit, wire1);                       // the previous reply's wire time

  // A stale kernel timestamp (for reply 1) no longer applies after reply 2.
  EXPECT_FALSE(server->note_kernel_transmit(loopback(), sent1.data(), sent1.size(), kT0 + 1520));
  // Reply 2 is the latest: its kernel timestamp goes to reply 3.
  std::vector<uint8_t> sent2(reply, reply + out2.size);
  EXPECT_TRUE(server->note_kernel_transmit(loopback(), sent2.data(), sent2.size(), kT0 + 64'600));
  NtpHeader req3 = client_request();
  req3.origin = reply2.receive;
  req3.receive = codec::to_ntp(kT0 + 64'700);
  req3.transmit = {0x01020304u, 0x0506070Au};
  ASSERT_TRUE(handle(packet(req3), loopback(), kT0 + 128'000).interleaved);
  EXPECT_EQ(decoded_reply().transmit, codec::to_ntp(kT0 + 64'600));
  // Not the client's, or too short to be a reply: nothing.
  IpAddress other = loopback();
  other.bytes[3] = 2;
  EXPECT_FALSE(server->note_kernel_transmit(other, sent2.data(), sent2.size(), kT0));
  EXPECT_FALSE(server->note_kernel_transmit(loopback(), sent2.data(), 40, kT0));
}

TEST_F(RequestPath, ReceiveEqualToTransmitIsNotInterleaved) {
  ASSERT_TRUE(handle(packet(client_request())).respond);
  NtpHeader reply1 = decoded_reply();
  NtpHeader req2 = client_request();
  req2.origin = reply1.receive;
  req2.receive = req2.transmit;  // RFC 9769: then it is a basic request
  EXPECT_FALSE(handle(packet(req2)).interleaved);
}

TEST_F(RequestPath, TheClockIsReadOnceAndItsTimeRecordedForTheClient) {
  clock_ns = kT0 + 7777;
  ASSERT_TRUE(handle(packet(client_request())).respond);
  NtpHeader reply1 = decoded_reply();
  EXPECT_EQ(reply1.transmit, codec::to_ntp(kT0 + 7777));
  // The first interleaved reply carries that time, as the best known for reply 1.
  NtpHeader req2 = client_request();
  req2.origin = reply1.receive;
  req2.receive = codec::to_ntp(kT0 + 8000);
  req2.transmit = {9, 9};
  clock_ns = kT0 + 70'000;
  ServerAction out = handle(packet(req2), loopback(), kT0 + 69'000);
  ASSERT_TRUE(out.interleaved);
  EXPECT_EQ(decoded_reply().transmit, codec::to_ntp(kT0 + 7777));
}

TEST_F(RequestPath, ActionsSayWhatToSendAndWhyNot) {
  ServerAction a = handle(packet(client_request()));
  EXPECT_TRUE(a.respond);
  EXPECT_EQ(a.size, codec::kHeaderSize);
  EXPECT_FALSE(a.want_tx_timestamp);  // a basic client: no kernel timestamp needed
  EXPECT_FALSE(a.kod);
  EXPECT_FALSE(a.passive);
  std::vector<uint8_t> junk(10, 0xFF);
  a = handle(junk);
  EXPECT_FALSE(a.respond);
  EXPECT_EQ(a.reason, proto::DropReason::Malformed);
  EXPECT_EQ(a.size, 0u);
  // A crypto-NAK gets nothing, as on the boards.
  a = handle(packet(client_request(), 4));
  EXPECT_FALSE(a.respond);
  EXPECT_EQ(a.reason, proto::DropReason::BadMac);
}

TEST_F(RequestPath, UnsynchronizedReferenceGivesLeapAlarm) {
  ref = proto::unsynchronized_reference(-20);
  ASSERT_TRUE(handle(packet(client_request())).respond);
  EXPECT_EQ(decoded_reply().leap, Leap::Unsynchronized);
  EXPECT_EQ(decoded_reply().stratum, 0);
}

}  // namespace
}  // namespace lansync::core
