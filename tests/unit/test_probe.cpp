// Tests of one server's burst driven sans-IO (core/probe): requests written on timer ticks, replies
// handed back as bytes with their receive times, and the report that comes out.
//
// The test plays the server on bytes alone: it answers the requests the probe wrote with
// codec::encode, signed or not, and checks what the probe keeps (the least-delay sample, the most
// telling failure, the kiss code) and when it stops sending and is finished.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "../support/ntp_replies.hpp"
#include "../support/test_keys.hpp"
#include "codec/ntp_packet.hpp"
#include "core/probe.hpp"
#include "proto/auth.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kT1 = 1'790'000'000 * kS;  // the clock at the first request (Unix ns)

// A datagram.
using Bytes = std::vector<uint8_t>;

// How the test server answers: ahead of our clock by offset_ns, one_way_ns away each way, T3 1 ms after
// T2; so the sample's offset is offset_ns and its delay 2 * one_way_ns.
struct Path {
  int64_t offset_ns = 5 * kMs;
  int64_t one_way_ns = 2 * kMs;
};

// When the reply to a request sent at t1_ns arrives over path (T4, ns).
int64_t arrival_ns(int64_t t1_ns, Path path = {}) { return t1_ns + 2 * path.one_way_ns + 1 * kMs; }

// A reply to request, sent at t1_ns over path, from a server of stratum and refid.
Bytes reply_to(const Bytes& request, int64_t t1_ns, Path path = {}, uint8_t stratum = 2,
               uint32_t refid = 0xC0A80401) {
  int64_t t2_ns = t1_ns + path.one_way_ns + path.offset_ns;
  return testing::server_reply(request, t2_ns, t2_ns + 1 * kMs, stratum, refid);
}

// A Kiss-o'-Death with code, to request.
Bytes kiss(const Bytes& request, int64_t t1_ns, const char* code) {
  return reply_to(request, t1_ns, {}, 0, codec::refid_from_ascii(code));
}

// An unsynchronized server's reply (LI = 3) to request.
Bytes unsynchronized(const Bytes& request, int64_t t1_ns) {
  Bytes out = reply_to(request, t1_ns);
  out[0] = static_cast<uint8_t>(out[0] | 0xC0);  // LI = 3: alarm
  return out;
}

// The probe's request due at now_mono_ns, sent at t1_ns: its bytes.
Bytes send(ServerProbe& probe, int64_t now_mono_ns, int64_t t1_ns, uint64_t cookie) {
  Bytes out(kMaxProbeRequestSize);
  size_t size = probe.write_request(now_mono_ns, cookie, out.data(), out.size());
  EXPECT_GT(size, 0u);
  out.resize(size);
  probe.sent(t1_ns);
  return out;
}

void hand(ServerProbe& probe, const Bytes& datagram, int64_t t4_ns) {
  probe.receive(datagram.data(), datagram.size(), t4_ns);
}

ProbeOptions burst(int samples) {
  ProbeOptions o;
  o.samples = samples;
  o.spacing_ns = 1 * kMs;
  return o;
}

// The same, every request signed with key_id of keys (which must outlive the probe).
ProbeOptions signed_burst(int samples, const proto::MacKeys& keys, uint32_t key_id = 1) {
  ProbeOptions o = burst(samples);
  o.keys = &keys;
  o.key_id = key_id;
  return o;
}

TEST(Probe, TheLeastDelaySampleWinsAndTheOthersGiveTheJitter) {
  ServerProbe probe(burst(3));
  const Path paths[] = {{5 * kMs, 2 * kMs}, {7 * kMs, 1 * kMs}, {4 * kMs, 3 * kMs}};
  for (int i = 0; i < 3; ++i) {
    int64_t t1_ns = kT1 + i * kMs;
    Bytes request = send(probe, i * kMs, t1_ns, 0x100u + static_cast<uint64_t>(i));
    hand(probe, reply_to(request, t1_ns, paths[i]), arrival_ns(t1_ns, paths[i]));
  }
  ProbeReport r = probe.report();
  ASSERT_TRUE(r.usable);
  EXPECT_EQ(r.samples_sent, 3);
  EXPECT_EQ(r.samples_ok, 3);
  EXPECT_EQ(r.replies, 3);
  EXPECT_EQ(r.status, proto::ReplyStatus::Ok);
  EXPECT_NEAR(static_cast<double>(r.best.offset_ns), 7e6, 1e3);
  EXPECT_NEAR(static_cast<double>(r.best.delay_ns), 2e6, 1e3);
  // RMS of (5 - 7) and (4 - 7) ms over the two others.
  EXPECT_NEAR(static_cast<double>(r.jitter_ns), std::sqrt(13.0 / 2) * 1e6, 1e3);
  EXPECT_EQ(r.header.stratum, 2);
  EXPECT_GT(r.root_distance_ns, 0);
}

TEST(Probe, AStrayOrADuplicateIsIgnored) {
  ServerProbe probe(burst(1));
  Bytes request = send(probe, 0, kT1, 0x1234);
  Bytes stray = reply_to(request, kT1);
  stray[24 + 7] ^= 0x1;  // the origin's last byte: not our cookie
  hand(probe, stray, arrival_ns(kT1));
  const Bytes garbage = {1, 2, 3};
  hand(probe, garbage, arrival_ns(kT1));
  EXPECT_EQ(probe.report().replies, 0);
  EXPECT_FALSE(probe.finished()) << "still waiting for the real reply";

  Bytes reply = reply_to(request, kT1);
  hand(probe, reply, arrival_ns(kT1));
  hand(probe, reply, arrival_ns(kT1) + kMs);  // the same again: its request is answered
  ProbeReport r = probe.report();
  EXPECT_TRUE(r.usable);
  EXPECT_EQ(r.replies, 1);
  EXPECT_EQ(r.samples_ok, 1);
  EXPECT_TRUE(probe.finished());
}

TEST(Probe, AKissRateOrDenyStopsSendingAndIsReportedWithItsCode) {
  for (const char* code : {"RATE", "DENY"}) {
    ServerProbe probe(burst(4));
    Bytes request = send(probe, 0, kT1, 0x1234);
    EXPECT_EQ(probe.next_send_ns(), 1 * kMs);
    hand(probe, kiss(request, kT1, code), arrival_ns(kT1));
    EXPECT_FALSE(probe.sending()) << code;
    EXPECT_FALSE(probe.due(10 * kMs));
    EXPECT_EQ(probe.next_send_ns(), kNoSendNs);
    Bytes out(kMaxProbeRequestSize);
    EXPECT_EQ(probe.write_request(10 * kMs, 0x5678, out.data(), out.size()), 0u);
    EXPECT_TRUE(probe.finished());
    ProbeReport r = probe.report();
    EXPECT_FALSE(r.usable);
    EXPECT_EQ(r.samples_sent, 1);
    EXPECT_EQ(r.replies, 1);
    EXPECT_EQ(r.status, proto::ReplyStatus::KissOfDeath);
    EXPECT_STREQ(r.kiss_code, code);
  }
}

TEST(Probe, AKissInitIsReportedButTheBurstGoesOn) {
  ServerProbe probe(burst(2));
  Bytes request = send(probe, 0, kT1, 0x1234);
  hand(probe, kiss(request, kT1, "INIT"), arrival_ns(kT1));
  EXPECT_TRUE(probe.due(1 * kMs));
  EXPECT_STREQ(probe.report().kiss_code, "INIT");
}

TEST(Probe, AForgeryIsReportedButTheGenuineSignedReplyStillCounts) {
  auto keys = testing::client_test_keys();
  ServerProbe probe(signed_burst(1, *keys));
  Bytes request = send(probe, 0, kT1, 0x1234);
  EXPECT_GT(request.size(), codec::kHeaderSize) << "the request carries a MAC";

  hand(probe, testing::signed_with(reply_to(request, kT1), 2, *keys), arrival_ns(kT1));
  EXPECT_EQ(probe.report().status, proto::ReplyStatus::BadMac);
  hand(probe, reply_to(request, kT1), arrival_ns(kT1));
  EXPECT_EQ(probe.report().status, proto::ReplyStatus::Unauthenticated);
  EXPECT_FALSE(probe.finished()) << "a forgery does not use up the request";

  hand(probe, testing::signed_with(reply_to(request, kT1), 1, *keys), arrival_ns(kT1));
  ProbeReport r = probe.report();
  ASSERT_TRUE(r.usable);
  EXPECT_EQ(r.status, proto::ReplyStatus::Ok);
  EXPECT_EQ(r.samples_ok, 1);
  EXPECT_EQ(r.replies, 3);
  EXPECT_TRUE(probe.finished());
}

TEST(Probe, FinishedWhenAllAreSentAndAnswered) {
  ServerProbe probe(burst(2));
  EXPECT_TRUE(probe.due(0));
  Bytes first = send(probe, 0, kT1, 1);
  EXPECT_FALSE(probe.due(1 * kMs - 1)) << "the next a spacing after this one";
  EXPECT_EQ(probe.next_send_ns(), 1 * kMs);
  hand(probe, reply_to(first, kT1), arrival_ns(kT1));
  EXPECT_FALSE(probe.finished()) << "one request left to send";

  // Held up: the second goes out late, and it is the last.
  Bytes second = send(probe, 5 * kMs, kT1 + 5 * kMs, 2);
  EXPECT_EQ(probe.next_send_ns(), kNoSendNs);
  EXPECT_FALSE(probe.finished()) << "its reply is awaited";
  hand(probe, reply_to(second, kT1 + 5 * kMs), arrival_ns(kT1 + 5 * kMs));
  EXPECT_TRUE(probe.finished());
  EXPECT_EQ(probe.report().samples_ok, 2);
}

TEST(Probe, TheMostTellingFailureIsReported) {
  // Unsynchronized, then a kiss (more telling), then unsynchronized again: the kiss stays.
  ServerProbe probe(burst(3));
  Bytes a = send(probe, 0, kT1, 1);
  hand(probe, unsynchronized(a, kT1), arrival_ns(kT1));
  EXPECT_EQ(probe.report().status, proto::ReplyStatus::Unsynchronized);
  Bytes b = send(probe, 1 * kMs, kT1 + 1 * kMs, 2);
  hand(probe, kiss(b, kT1 + 1 * kMs, "INIT"), arrival_ns(kT1 + 1 * kMs));
  Bytes c = send(probe, 2 * kMs, kT1 + 2 * kMs, 3);
  hand(probe, unsynchronized(c, kT1 + 2 * kMs), arrival_ns(kT1 + 2 * kMs));
  ProbeReport r = probe.report();
  EXPECT_FALSE(r.usable);
  EXPECT_EQ(r.replies, 3);
  EXPECT_EQ(r.status, proto::ReplyStatus::KissOfDeath);
  EXPECT_EQ(r.header.stratum, 0) << "the header of the reply reported";
  EXPECT_TRUE(probe.finished());

  // A failed authentication tells more than a kiss.
  auto keys = testing::client_test_keys();
  ServerProbe signed_probe(signed_burst(2, *keys));
  Bytes d = send(signed_probe, 0, kT1, 4);
  hand(signed_probe, testing::signed_with(kiss(d, kT1, "INIT"), 1, *keys), arrival_ns(kT1));
  Bytes e = send(signed_probe, 1 * kMs, kT1 + 1 * kMs, 5);
  hand(signed_probe, testing::signed_with(reply_to(e, kT1 + 1 * kMs), 2, *keys), arrival_ns(kT1 + 1 * kMs));
  EXPECT_EQ(signed_probe.report().status, proto::ReplyStatus::BadMac);
  EXPECT_STREQ(signed_probe.report().kiss_code, "INIT");
}

TEST(Probe, AnIcmpErrorAfterARequestIsPassedOverAndReportedOnlyWithoutAReply) {
  ServerProbe probe(burst(3));
  send(probe, 0, kT1, 1);
  Bytes out(kMaxProbeRequestSize);
  ASSERT_GT(probe.write_request(1 * kMs, 2, out.data(), out.size()), 0u);
  probe.send_failed("Connection refused", true);
  EXPECT_TRUE(probe.due(2 * kMs)) << "a leftover ICMP error ends nothing";
  probe.icmp_error("Connection refused");
  ProbeReport r = probe.report();
  EXPECT_EQ(r.samples_sent, 2);
  EXPECT_EQ(r.error, "Connection refused (ICMP; no reply before the timeout)");
}

TEST(Probe, ASendErrorOnTheFirstRequestEndsTheBurst) {
  ServerProbe probe(burst(3));
  Bytes out(kMaxProbeRequestSize);
  ASSERT_GT(probe.write_request(0, 1, out.data(), out.size()), 0u);
  probe.send_failed("Network is unreachable", true);
  EXPECT_TRUE(probe.finished());
  EXPECT_EQ(probe.next_send_ns(), kNoSendNs);
  ProbeReport r = probe.report();
  EXPECT_EQ(r.samples_sent, 1);
  EXPECT_EQ(r.error, "Network is unreachable");
}

TEST(Probe, ARequestThatCannotBeSignedIsAnError) {
  auto keys = testing::client_test_keys();
  ServerProbe probe(signed_burst(2, *keys, 3));  // key 3: not in the ring
  Bytes out(kMaxProbeRequestSize);
  EXPECT_EQ(probe.write_request(0, 1, out.data(), out.size()), 0u);
  EXPECT_TRUE(probe.finished());
  EXPECT_EQ(probe.report().error, "cannot sign the request with key 3");
  EXPECT_EQ(probe.report().samples_sent, 0);
}

}  // namespace
}  // namespace lansync::core
