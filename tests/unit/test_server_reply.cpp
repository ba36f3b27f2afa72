// Unit tests of the server's reply construction and reference state (core/server).
#include <gtest/gtest.h>

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

TEST(ServerReply, IgnoresEveryOtherMode) {
  ReferenceState ref = local_reference(10, -20, kT0, kT0);
  for (Mode m : {Mode::SymmetricActive, Mode::SymmetricPassive, Mode::Server, Mode::Broadcast}) {
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
