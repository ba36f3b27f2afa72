// Unit tests of the server's reply construction and reference state (core/server).
#include <gtest/gtest.h>

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
  NtpHeader h = make_request_header({0xAABBCCDDu, 0x11223344u});
  h.version = version;
  h.poll_log2 = 6;
  return h;
}

TEST(ServerReply, AnswersClientModeOfVersions1To4AndEchoesTheVersion) {
  ReferenceState ref = local_reference(10, -20, kT0, kT0);
  for (uint8_t v = 1; v <= 4; ++v) {
    NtpHeader reply;
    ASSERT_TRUE(make_reply(client_request(v), kT0 + 5, ref, &reply)) << int{v};
    EXPECT_EQ(reply.version, v);
    EXPECT_EQ(reply.mode, Mode::Server);
  }
}

TEST(ServerReply, AnswersSymmetricActiveInPassiveMode) {
  // w32tm without 0x8 (and chrony's `peer`) sends mode 1; ntpd answers in mode 2.
  ReferenceState ref = local_reference(10, -20, kT0, kT0);
  for (uint8_t v = 1; v <= 4; ++v) {
    NtpHeader req = client_request(v);
    req.mode = Mode::SymmetricActive;
    NtpHeader reply;
    ASSERT_TRUE(make_reply(req, kT0 + 5, ref, &reply)) << int{v};
    EXPECT_EQ(reply.version, v);
    EXPECT_EQ(reply.mode, Mode::SymmetricPassive);
    EXPECT_EQ(reply.origin, req.transmit);
    EXPECT_EQ(reply.stratum, 10);
  }
}

TEST(ServerReply, ReplyModes) {
  EXPECT_EQ(reply_mode(Mode::Client), Mode::Server);
  EXPECT_EQ(reply_mode(Mode::SymmetricActive), Mode::SymmetricPassive);
  for (Mode m : {Mode::Reserved, Mode::SymmetricPassive, Mode::Server, Mode::Broadcast, Mode::Control,
                 Mode::Private}) {
    EXPECT_EQ(reply_mode(m), Mode::Reserved) << static_cast<int>(m);
  }
}

TEST(ServerReply, IgnoresEveryOtherMode) {
  ReferenceState ref = local_reference(10, -20, kT0, kT0);
  for (Mode m : {Mode::Reserved, Mode::SymmetricPassive, Mode::Server, Mode::Broadcast}) {
    NtpHeader req = client_request();
    req.mode = m;
    NtpHeader reply;
    EXPECT_FALSE(make_reply(req, kT0, ref, &reply)) << static_cast<int>(m);
  }
}

TEST(ServerReply, EchoesTransmitIntoOriginAndStampsReceive) {
  ReferenceState ref = local_reference(10, -20, kT0, kT0);
  NtpHeader reply;
  ASSERT_TRUE(make_reply(client_request(), kT0 + 123, ref, &reply));
  EXPECT_EQ(reply.origin, (codec::NtpTimestamp{0xAABBCCDDu, 0x11223344u}));
  EXPECT_EQ(reply.receive, codec::to_ntp(kT0 + 123));
  EXPECT_TRUE(reply.transmit.is_zero());  // the caller stamps it just before sending
  EXPECT_EQ(reply.poll_log2, 6);
}

TEST(ServerReply, LocalStratumServesAsSynchronized) {
  ReferenceState ref = local_reference(10, -20, kT0, kT0 + 100 * kS);
  NtpHeader reply;
  ASSERT_TRUE(make_reply(client_request(), kT0 + 100 * kS, ref, &reply));
  EXPECT_EQ(reply.leap, Leap::None);
  EXPECT_EQ(reply.stratum, 10);
  EXPECT_EQ(reply.refid, 0x7F7F0101u);  // 127.127.1.1, as chrony's local reference
  EXPECT_EQ(reply.precision_log2, -20);
  // The local reference is refreshed every 64 s: at 100 s it dates from 64 s.
  EXPECT_EQ(reply.reference, codec::to_ntp(kT0 + 64 * kS));
}

TEST(ServerReply, WithoutReferenceRepliesAreUnsynchronized) {
  ReferenceState ref = unsynchronized_reference(-20);
  NtpHeader reply;
  ASSERT_TRUE(make_reply(client_request(), kT0, ref, &reply));
  EXPECT_EQ(reply.leap, Leap::Unsynchronized);
  EXPECT_EQ(reply.stratum, 16);
  // ...and a client's own tests refuse them.
  Request req{{0xAABBCCDDu, 0x11223344u}, kT0 - 1000};
  reply.transmit = codec::to_ntp(kT0 + 1000);
  EXPECT_EQ(check_reply(reply, req, kT0 + 2000).status, ReplyStatus::Unsynchronized);
}

TEST(ServerReply, RootDispersionGrowsAt15Ppm) {
  ReferenceState ref;
  ref.synchronized = true;
  ref.stratum = 3;
  ref.reference_time_ns = kT0;
  ref.root_dispersion_ns = 1'000'000;
  EXPECT_EQ(root_dispersion_at(ref, kT0), 1'000'000);
  EXPECT_EQ(root_dispersion_at(ref, kT0 + 1000 * kS), 1'000'000 + 15'000'000);
  EXPECT_EQ(root_dispersion_at(ref, kT0 - kS), 1'000'000);  // never shrinks
}

TEST(ServerReply, PrecisionFromResolution) {
  EXPECT_EQ(precision_log2_from_ns(1), -30);   // 2^-30 s = 0.93 ns, rounded up to 1 ns
  EXPECT_EQ(precision_log2_from_ns(20), -25);  // 2^-26 s = 14.9 ns, 2^-25 s = 29.8 ns
  EXPECT_EQ(precision_log2_from_ns(1000), -19);
  EXPECT_EQ(precision_log2_from_ns(2 * kS), 0);  // capped at 1 s
  EXPECT_EQ(ns_from_log2(-20), 953);             // 953.67 ns, truncated
  EXPECT_EQ(ns_from_log2(0), kS);
}

}  // namespace
}  // namespace lansync::core

namespace lansync::core {
namespace {

IpAddress loopback() {
  IpAddress a;
  a.family = 4;
  a.bytes[0] = 127;
  a.bytes[3] = 1;
  return a;
}

struct RequestPath : ::testing::Test {
  ServerPolicy policy;
  ClientTable clients{1024, 99};
  ReferenceState ref = local_reference(10, -20, kT0, kT0);
  uint8_t reply[codec::kHeaderSize];

  std::vector<uint8_t> packet(const NtpHeader& h, size_t extra = 0) {
    std::vector<uint8_t> p(codec::kHeaderSize + extra, 0);
    codec::encode(h, p.data(), p.size());
    return p;
  }
  RequestOutcome handle(const std::vector<uint8_t>& p, IpAddress from = loopback(), int64_t rx = kT0 + 1000,
                        uint32_t random = 1) {
    return handle_request(p.data(), p.size(), from, rx, ref, policy, clients, random, reply, sizeof(reply));
  }
  NtpHeader decoded_reply() { return codec::decode(reply, sizeof(reply))->header; }
};

TEST_F(RequestPath, AnswersAClientRequest) {
  RequestOutcome out = handle(packet(client_request()));
  ASSERT_TRUE(out.reply);
  EXPECT_EQ(out.reply_size, codec::kHeaderSize);
  EXPECT_FALSE(out.interleaved);
  EXPECT_FALSE(out.kod);
  NtpHeader r = decoded_reply();
  EXPECT_EQ(r.mode, Mode::Server);
  EXPECT_EQ(r.origin, (codec::NtpTimestamp{0xAABBCCDDu, 0x11223344u}));
  EXPECT_EQ(r.receive, codec::to_ntp(kT0 + 1000));
}

TEST_F(RequestPath, MalformedAndNonRequestsGetNothing) {
  std::vector<uint8_t> short_packet(20, 0x23);
  EXPECT_EQ(handle(short_packet).reason, DropReason::Malformed);
  std::vector<uint8_t> ntpq(48, 0);
  ntpq[0] = 0x16;  // mode 6
  EXPECT_EQ(handle(ntpq).reason, DropReason::Malformed);
  NtpHeader server = client_request();
  server.mode = Mode::Server;
  EXPECT_EQ(handle(packet(server)).reason, DropReason::NotRequest);
  NtpHeader passive = client_request();
  passive.mode = Mode::SymmetricPassive;
  EXPECT_EQ(handle(packet(passive)).reason, DropReason::NotRequest);
  NtpHeader broadcast = client_request();
  broadcast.mode = Mode::Broadcast;
  EXPECT_EQ(handle(packet(broadcast)).reason, DropReason::NotRequest);
  EXPECT_EQ(clients.in_use(), 0u);
}

NtpHeader peer_request() {
  NtpHeader h = client_request();
  h.mode = Mode::SymmetricActive;
  return h;
}

TEST_F(RequestPath, SymmetricActiveGetsAPassiveReply) {
  NtpHeader req = peer_request();
  req.stratum = 16;  // w32tm and a chrony peer without a source say they know nothing
  RequestOutcome out = handle(packet(req));
  ASSERT_TRUE(out.reply) << describe(out.reason);
  EXPECT_TRUE(out.passive);
  EXPECT_FALSE(out.interleaved);
  EXPECT_EQ(out.reply_size, codec::kHeaderSize);
  NtpHeader r = decoded_reply();
  EXPECT_EQ(r.mode, Mode::SymmetricPassive);
  EXPECT_EQ(r.origin, req.transmit);  // the peer matches the reply by it
  EXPECT_EQ(r.receive, codec::to_ntp(kT0 + 1000));
  EXPECT_TRUE(r.transmit.is_zero());  // stamped by the caller
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
  ASSERT_TRUE(handle(packet(peer_request()), loopback(), kT0 + 1000).reply);
  NtpHeader first = decoded_reply();
  codec::NtpTimestamp sent = codec::to_ntp(kT0 + 1500);
  NtpHeader req2 = peer_request();
  req2.origin = sent;
  req2.receive = codec::to_ntp(kT0 + 1600);
  req2.transmit = {0x0A0B0C0Du, 0x01020304u};
  RequestOutcome out = handle(packet(req2), loopback(), kT0 + 2 * kS);
  ASSERT_TRUE(out.reply);
  EXPECT_FALSE(out.interleaved);
  NtpHeader r = decoded_reply();
  EXPECT_EQ(r.mode, Mode::SymmetricPassive);
  EXPECT_EQ(r.origin, req2.transmit);
  EXPECT_EQ(r.receive, codec::to_ntp(kT0 + 2 * kS));
  EXPECT_FALSE(r.receive == first.receive);
  EXPECT_EQ(clients.in_use(), 1u);  // one rate-limit record, as for a client
}

TEST_F(RequestPath, SymmetricActiveWhileUnsynchronizedGivesLeapAlarm) {
  ref = unsynchronized_reference(-20);
  RequestOutcome out = handle(packet(peer_request()));
  ASSERT_TRUE(out.reply);
  NtpHeader r = decoded_reply();
  EXPECT_EQ(r.mode, Mode::SymmetricPassive);
  EXPECT_EQ(r.leap, Leap::Unsynchronized);
  EXPECT_EQ(r.stratum, 16);
}

TEST_F(RequestPath, SymmetricActiveFollowsTheClientRules) {
  IpAddress outside;
  outside.family = 4;
  outside.bytes[0] = 8;
  outside.bytes[3] = 8;
  EXPECT_EQ(handle(packet(peer_request()), outside).reason, DropReason::AccessDenied);
  // No reply larger than the request, extension field or not.
  std::vector<uint8_t> p = packet(peer_request(), 28);
  codec::store_be16(p.data() + 48, 0x0104);
  codec::store_be16(p.data() + 50, 28);
  RequestOutcome out = handle(p);
  ASSERT_TRUE(out.reply);
  EXPECT_LE(out.reply_size, p.size());
  // Rate limit, with a KoD in passive mode.
  policy.rate_limit.enabled = true;
  policy.rate_limit.burst = 1;
  policy.rate_limit.kod = true;
  policy.rate_limit.leak_log2 = 4;
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
  RequestOutcome out = handle(p);
  ASSERT_TRUE(out.reply);
  EXPECT_LE(out.reply_size, p.size());
}

TEST_F(RequestPath, DeniedAddressesGetNothing) {
  IpAddress outside;
  outside.family = 4;
  outside.bytes[0] = 8;
  outside.bytes[3] = 8;
  RequestOutcome out = handle(packet(client_request()), outside);
  EXPECT_FALSE(out.reply);
  EXPECT_EQ(out.reason, DropReason::AccessDenied);
  EXPECT_EQ(clients.in_use(), 0u);  // not even remembered
}

TEST_F(RequestPath, RateLimitDropsOrKisses) {
  policy.rate_limit.enabled = true;
  policy.rate_limit.burst = 2;
  policy.rate_limit.leak_log2 = 4;
  EXPECT_TRUE(handle(packet(client_request())).reply);
  EXPECT_TRUE(handle(packet(client_request())).reply);
  RequestOutcome dropped = handle(packet(client_request()));
  EXPECT_FALSE(dropped.reply);
  EXPECT_EQ(dropped.reason, DropReason::RateLimited);
  policy.rate_limit.kod = true;
  RequestOutcome kod = handle(packet(client_request()));
  ASSERT_TRUE(kod.reply);
  EXPECT_TRUE(kod.kod);
  NtpHeader r = decoded_reply();
  EXPECT_EQ(r.stratum, 0);
  EXPECT_EQ(r.leap, Leap::Unsynchronized);
  EXPECT_EQ(r.refid, codec::refid_from_ascii("RATE"));
  EXPECT_EQ(r.origin, (codec::NtpTimestamp{0xAABBCCDDu, 0x11223344u}));  // the client can match it
}

TEST_F(RequestPath, InterleavedExchangeAsChronyRunsIt) {
  // 1: a basic request; the server records its receive and transmit times.
  NtpHeader req1 = client_request();
  RequestOutcome out1 = handle(packet(req1), loopback(), kT0 + 1000);
  ASSERT_TRUE(out1.reply);
  EXPECT_FALSE(out1.interleaved);
  NtpHeader reply1 = decoded_reply();
  codec::NtpTimestamp sent1 = codec::to_ntp(kT0 + 1500);  // stamped by the caller
  note_transmit(*out1.client, sent1);
  // The kernel reports when reply 1 really left.
  codec::NtpTimestamp wire1 = codec::to_ntp(kT0 + 1520);
  EXPECT_TRUE(note_kernel_transmit(*out1.client, reply1.receive, wire1));

  // 2: the client asks in interleaved mode: origin = our receive timestamp,
  // receive = when reply 1 reached it, transmit = its own.
  NtpHeader req2 = client_request();
  req2.origin = reply1.receive;
  req2.receive = codec::to_ntp(kT0 + 1600);
  req2.transmit = {0x01020304u, 0x05060708u};
  RequestOutcome out2 = handle(packet(req2), loopback(), kT0 + 64'000);
  ASSERT_TRUE(out2.reply);
  EXPECT_TRUE(out2.interleaved);
  EXPECT_TRUE(out2.want_tx_timestamp);
  NtpHeader reply2 = decoded_reply();
  EXPECT_EQ(reply2.origin, req2.receive);                  // how the client knows it is interleaved
  EXPECT_EQ(reply2.receive, codec::to_ntp(kT0 + 64'000));  // this exchange's receive
  EXPECT_EQ(reply2.transmit, wire1);                       // the previous reply's wire time

  // A stale kernel timestamp (for reply 1) no longer applies after reply 2.
  EXPECT_FALSE(note_kernel_transmit(*out2.client, reply1.receive, wire1));
}

TEST_F(RequestPath, ReceiveEqualToTransmitIsNotInterleaved) {
  RequestOutcome out1 = handle(packet(client_request()));
  NtpHeader reply1 = decoded_reply();
  note_transmit(*out1.client, codec::to_ntp(kT0 + 1500));
  NtpHeader req2 = client_request();
  req2.origin = reply1.receive;
  req2.receive = req2.transmit;  // RFC 9769: then it is a basic request
  EXPECT_FALSE(handle(packet(req2)).interleaved);
}

TEST_F(RequestPath, UnsynchronizedReferenceGivesLeapAlarm) {
  ref = unsynchronized_reference(-20);
  ASSERT_TRUE(handle(packet(client_request())).reply);
  EXPECT_EQ(decoded_reply().leap, Leap::Unsynchronized);
  EXPECT_EQ(decoded_reply().stratum, 16);
}

TEST(Broadcast, CarriesTheReferenceAndNoClientTimestamps) {
  ReferenceState ref = local_reference(10, -20, kT0, kT0);
  NtpHeader b = make_broadcast(ref, kT0 + 5 * kS, 6);
  EXPECT_EQ(b.mode, Mode::Broadcast);
  EXPECT_EQ(b.stratum, 10);
  EXPECT_EQ(b.poll_log2, 6);
  EXPECT_TRUE(b.origin.is_zero());
  EXPECT_TRUE(b.receive.is_zero());
  EXPECT_EQ(b.leap, Leap::None);
  NtpHeader u = make_broadcast(unsynchronized_reference(-20), kT0, 6);
  EXPECT_EQ(u.leap, Leap::Unsynchronized);
}

}  // namespace
}  // namespace lansync::core
