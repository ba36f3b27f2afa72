// Unit tests of offset/delay and the reply tests a client applies (proto/exchange).
#include <gtest/gtest.h>

#include "../support/seed.hpp"
#include "proto/exchange.hpp"

namespace lansync::proto {
namespace {

using codec::Leap;
using codec::Mode;
using codec::NtpHeader;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kT0 = 1'795'000'000'000'000'000;  // 2026-11-18

TEST(Exchange, OffsetAndDelayFromRfc5905) {
  // Server 2.5 s ahead, 10 ms each way, 1 ms in the server.
  Sample s = compute_sample(kT0, kT0 + 2500 * kMs + 10 * kMs, kT0 + 2500 * kMs + 11 * kMs, kT0 + 21 * kMs);
  EXPECT_EQ(s.offset_ns, 2500 * kMs);
  EXPECT_EQ(s.delay_ns, 20 * kMs);
}

TEST(Exchange, AsymmetricPathHalvesTheAsymmetryIntoTheOffset) {
  // Same clocks, 4 ms out and 2 ms back: the offset error is half the difference.
  Sample s = compute_sample(kT0, kT0 + 4 * kMs, kT0 + 4 * kMs, kT0 + 6 * kMs);
  EXPECT_EQ(s.offset_ns, 1 * kMs);
  EXPECT_EQ(s.delay_ns, 6 * kMs);
}

// Stamps that disagree (the client's round trip 5 ns, the server's hold 20 ns):
// the delay is the disagreement's magnitude, never 0 (an arm32 ntpprobe under
// qemu picked such a sample as its best and stated a 60 ns error for a 10 us one).
TEST(Exchange, NegativeDelayCountsByItsMagnitude) {
  Sample s = compute_sample(kT0, kT0 + 10, kT0 + 30, kT0 + 5);
  EXPECT_EQ(s.delay_ns, 15);
}

TEST(Exchange, RandomExchangesRecoverTheTrueOffset) {
  auto rng = testing::seeded_rng();
  std::uniform_int_distribution<int64_t> offset(-100'000 * kMs, 100'000 * kMs);
  std::uniform_int_distribution<int64_t> leg(0, 50 * kMs);
  for (int i = 0; i < 10'000; ++i) {
    int64_t theta = offset(rng);
    int64_t d = leg(rng);
    int64_t t1 = kT0;
    int64_t t2 = t1 + d + theta;
    int64_t t3 = t2 + leg(rng);
    int64_t t4 = t3 - theta + d;  // symmetric legs
    Sample s = compute_sample(t1, t2, t3, t4);
    ASSERT_NEAR(static_cast<double>(s.offset_ns), static_cast<double>(theta), 1.0);
    ASSERT_EQ(s.delay_ns, 2 * d);
  }
}

struct ReplyFixture : ::testing::Test {
  Request req{{0x12345678u, 0x9ABCDEF0u}, kT0};
  NtpHeader reply = make_good_reply();

  NtpHeader make_good_reply() {
    NtpHeader h;
    h.mode = Mode::Server;
    h.version = 4;
    h.stratum = 2;
    h.origin = {0x12345678u, 0x9ABCDEF0u};
    h.receive = codec::to_ntp(kT0 + 5 * kMs);
    h.transmit = codec::to_ntp(kT0 + 6 * kMs);
    h.root_delay = codec::to_ntp_short(10 * kMs);
    h.root_dispersion = codec::to_ntp_short(5 * kMs);
    return h;
  }
  ReplyCheck check() { return check_reply(reply, req, kT0 + 10 * kMs); }
};

TEST_F(ReplyFixture, GoodReplyGivesASample) {
  ReplyCheck c = check();
  ASSERT_EQ(c.status, ReplyStatus::Ok);
  EXPECT_NEAR(static_cast<double>(c.sample.offset_ns), 0.5 * kMs, 1.0);
  EXPECT_NEAR(static_cast<double>(c.sample.delay_ns), 9 * kMs, 1.0);
  // (10 ms + 9 ms) / 2 + 5 ms, within the 16.16 format's 15 µs resolution
  EXPECT_NEAR(static_cast<double>(c.root_distance_ns), 14.5 * kMs, 20'000.0);
}

TEST_F(ReplyFixture, OriginMustEchoTheCookie) {
  reply.origin.fraction ^= 1;
  EXPECT_EQ(check().status, ReplyStatus::NotOurs);
  EXPECT_TRUE(is_ignorable(check().status));
}

TEST_F(ReplyFixture, OnlyServerModeIsAReply) {
  reply.mode = Mode::Broadcast;
  EXPECT_EQ(check().status, ReplyStatus::NotServerMode);
}

TEST_F(ReplyFixture, StratumZeroIsKissOfDeath) {
  reply.stratum = 0;
  reply.refid = codec::refid_from_ascii("RATE");
  EXPECT_EQ(check().status, ReplyStatus::KissOfDeath);
  EXPECT_FALSE(is_ignorable(check().status));
}

TEST_F(ReplyFixture, LeapAlarmIsUnsynchronized) {
  reply.leap = Leap::Unsynchronized;
  EXPECT_EQ(check().status, ReplyStatus::Unsynchronized);
}

TEST_F(ReplyFixture, StratumAbove15IsUnsynchronized) {
  reply.stratum = 16;
  EXPECT_EQ(check().status, ReplyStatus::Unsynchronized);
}

TEST_F(ReplyFixture, ZeroTransmitTimestampIsRejected) {
  reply.transmit = {};
  EXPECT_EQ(check().status, ReplyStatus::BadTimestamps);
}

TEST_F(ReplyFixture, ServerCannotSendBeforeItReceives) {
  reply.precision_log2 = -23;  // 119 ns
  reply.transmit = codec::to_ntp(kT0 + 4 * kMs);
  EXPECT_EQ(check().status, ReplyStatus::BadTimestamps);
}

// chronyd reads its clock twice and its T3 can come 34-84 ns before T2: within its precision.
TEST_F(ReplyFixture, TransmitBeforeReceiveWithinThePrecisionIsTaken) {
  reply.precision_log2 = -23;  // 119 ns
  int64_t t2 = codec::from_ntp(reply.receive, codec::era_pivot(kT0));
  reply.transmit = codec::to_ntp(t2 - 80);
  EXPECT_EQ(check().status, ReplyStatus::Ok);
  reply.transmit = codec::to_ntp(t2 - 200);
  EXPECT_EQ(check().status, ReplyStatus::BadTimestamps);
}

TEST_F(ReplyFixture, RootDistanceOver1500msIsRejected) {
  reply.root_dispersion = codec::to_ntp_short(1495 * kMs);
  EXPECT_EQ(check().status, ReplyStatus::RootDistanceTooLarge);
  reply.root_dispersion = codec::to_ntp_short(1480 * kMs);
  EXPECT_EQ(check().status, ReplyStatus::Ok);
}

TEST_F(ReplyFixture, ServerTimesAfter2036AreUnfolded) {
  // A client in late 2035 talking to a server already past the era wrap.
  int64_t t1 = 2'085'978'490 * int64_t{1'000'000'000};
  req.t1_ns = t1;
  reply.receive = codec::to_ntp(t1 + 10'000 * kMs);
  reply.transmit = codec::to_ntp(t1 + 10'001 * kMs);
  ASSERT_LT(reply.receive.seconds, 100u);  // wrapped on the wire
  ReplyCheck c = check_reply(reply, req, t1 + 2 * kMs);
  ASSERT_EQ(c.status, ReplyStatus::Ok);
  EXPECT_NEAR(static_cast<double>(c.sample.offset_ns), 9'999.5 * kMs, 1.0);
}

TEST_F(ReplyFixture, TheServerTimesAreGiven) {
  ReplyCheck c = check();
  ASSERT_EQ(c.status, ReplyStatus::Ok);
  EXPECT_NEAR(static_cast<double>(c.t2_ns), static_cast<double>(kT0 + 5 * kMs), 1.0);
  EXPECT_NEAR(static_cast<double>(c.t3_ns), static_cast<double>(kT0 + 6 * kMs), 1.0);
}

TEST_F(ReplyFixture, TheEraPivotNeedNotBeT1) {
  // A board's T1 and T4 are its local counter; the pivot is its UTC estimate.
  req.t1_ns = 1'000 * kMs;
  ReplyCheck c = check_reply(reply, req, 1'010 * kMs, kT0, {});
  ASSERT_EQ(c.status, ReplyStatus::Ok);
  EXPECT_EQ(c.sample.delay_ns, compute_sample(1'000 * kMs, c.t2_ns, c.t3_ns, 1'010 * kMs).delay_ns);
  EXPECT_NEAR(static_cast<double>(c.sample.delay_ns), 9 * kMs, 1.0);
}

TEST(Exchange, ServerStateAndSignatureRules) {
  NtpHeader h;
  h.stratum = 3;
  EXPECT_EQ(check_server_state(h), ReplyStatus::Ok);
  h.leap = Leap::Unsynchronized;
  EXPECT_EQ(check_server_state(h), ReplyStatus::Unsynchronized);
  h.stratum = 0;  // no refid: chronyd's and sntpd's "unsynchronized", not a kiss
  EXPECT_EQ(check_server_state(h), ReplyStatus::Unsynchronized);
  h.refid = codec::refid_from_ascii("RATE");
  EXPECT_EQ(check_server_state(h), ReplyStatus::KissOfDeath);
  EXPECT_EQ(check_signed_by({}, 0), ReplyStatus::Ok);
  EXPECT_EQ(check_signed_by({AuthStatus::Ok, 4}, 4), ReplyStatus::Ok);
  EXPECT_EQ(check_signed_by({AuthStatus::Ok, 4}, 5), ReplyStatus::BadMac);
  EXPECT_EQ(check_signed_by({AuthStatus::CryptoNak, 0}, 5), ReplyStatus::Unauthenticated);
  EXPECT_TRUE(is_forgery(ReplyStatus::BadMac));
  EXPECT_FALSE(is_forgery(ReplyStatus::KissOfDeath));
  EXPECT_TRUE(is_ignorable(ReplyStatus::Malformed));
}

TEST(Exchange, KissCodes) {
  EXPECT_TRUE(kiss_demands_backoff(codec::refid_from_ascii("RATE")));
  EXPECT_TRUE(kiss_demands_backoff(codec::refid_from_ascii("RSTR")));
  EXPECT_FALSE(kiss_demands_backoff(codec::refid_from_ascii("INIT")));
  EXPECT_STREQ(describe_kiss(codec::refid_from_ascii("DENY")), "access denied");
  EXPECT_STREQ(describe_kiss(codec::refid_from_ascii("XXXX")), "");
}

TEST(SignedReplies, OnlyAReplySignedWithOurKeyPasses) {
  Request req;
  req.cookie = {5, 6};
  req.t1_ns = kT0;
  req.key_id = 1;
  NtpHeader reply;
  reply.mode = codec::Mode::Server;
  reply.stratum = 2;
  reply.origin = req.cookie;
  reply.receive = codec::to_ntp(kT0 + 100);
  reply.transmit = codec::to_ntp(kT0 + 200);
  EXPECT_EQ(check_reply(reply, req, kT0 + 300, {AuthStatus::Ok, 1}).status, ReplyStatus::Ok);
  EXPECT_EQ(check_reply(reply, req, kT0 + 300, {AuthStatus::Ok, 2}).status, ReplyStatus::BadMac);
  EXPECT_EQ(check_reply(reply, req, kT0 + 300, {AuthStatus::BadMac, 1}).status, ReplyStatus::BadMac);
  EXPECT_EQ(check_reply(reply, req, kT0 + 300, {AuthStatus::UnknownKey, 9}).status, ReplyStatus::BadMac);
  EXPECT_EQ(check_reply(reply, req, kT0 + 300, {}).status, ReplyStatus::Unauthenticated);
  EXPECT_EQ(check_reply(reply, req, kT0 + 300, {AuthStatus::CryptoNak, 0}).status,
            ReplyStatus::Unauthenticated);
  // An unauthenticated Kiss-o'-Death counts for nothing.
  reply.stratum = 0;
  reply.refid = codec::refid_from_ascii("DENY");
  EXPECT_EQ(check_reply(reply, req, kT0 + 300, {}).status, ReplyStatus::Unauthenticated);
  // Unsigned requests ignore any MAC.
  req.key_id = 0;
  reply.stratum = 2;
  EXPECT_EQ(check_reply(reply, req, kT0 + 300, {AuthStatus::BadMac, 1}).status, ReplyStatus::Ok);
}

TEST(Exchange, RequestHeaderCarriesTheCookie) {
  NtpHeader h = make_request_header({1, 2});
  EXPECT_EQ(h.mode, Mode::Client);
  EXPECT_EQ(h.version, 4);
  EXPECT_EQ(h.transmit, (codec::NtpTimestamp{1, 2}));
  EXPECT_TRUE(h.origin.is_zero());
}

}  // namespace
}  // namespace lansync::proto
