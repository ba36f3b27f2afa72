// Unit tests of the server's reply rules shared with the boards (proto/reply_rules): reference state, reply
// and broadcast headers, the request checks and the finishing step.
#include <gtest/gtest.h>

#include <vector>

#include "../support/hex.hpp"
#include "core/exchange.hpp"
#include "os/crypto_keys.hpp"
#include "proto/reply_rules.hpp"

namespace lansync::proto {
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

// chronyd 4.3 with no source answering our request (tests/golden/README.md):
// our unsynchronized reply says what chronyd's says, byte for byte up to the
// receive timestamp, and our clients read chronyd's as unsynchronized, not as
// a kiss.
TEST(ServerReply, UnsynchronizedReplyIsChronydsUpToTheTimestamps) {
  auto request = testing::golden_packet("chrony-4.3-unsynchronized-reply.hex", 0);
  auto chronyd = testing::golden_packet("chrony-4.3-unsynchronized-reply.hex", 1);
  auto req = codec::decode(request.data(), request.size());
  auto theirs = codec::decode(chronyd.data(), chronyd.size());
  ASSERT_TRUE(req.ok() && theirs.ok());
  NtpHeader ours;
  ASSERT_TRUE(make_reply(req->header, kT0, unsynchronized_reference(theirs->header.precision_log2), &ours));
  std::vector<uint8_t> wire(codec::kHeaderSize);
  ASSERT_EQ(codec::encode(ours, wire.data(), wire.size()), codec::kHeaderSize);
  constexpr size_t kReceiveOffset = 32;
  EXPECT_EQ(std::vector<uint8_t>(wire.begin(), wire.begin() + kReceiveOffset),
            std::vector<uint8_t>(chronyd.begin(), chronyd.begin() + kReceiveOffset));
  EXPECT_EQ(check_server_state(theirs->header), ReplyStatus::Unsynchronized);
}

TEST(ServerReply, WithoutReferenceRepliesAreUnsynchronized) {
  ReferenceState ref = unsynchronized_reference(-20);
  NtpHeader reply;
  ASSERT_TRUE(make_reply(client_request(), kT0, ref, &reply));
  EXPECT_EQ(reply.leap, Leap::Unsynchronized);
  // As chronyd writes it: stratum 0, no refid (no kiss), and a root delay and
  // dispersion of 1 s each for a client that reads only the error bound.
  EXPECT_EQ(reply.stratum, 0);
  EXPECT_EQ(reply.refid, 0u);
  EXPECT_TRUE(reply.reference.is_zero());
  EXPECT_EQ(codec::from_ntp_short(reply.root_delay), kUnsynchronizedRootNs);
  EXPECT_EQ(codec::from_ntp_short(reply.root_dispersion), kUnsynchronizedRootNs);
  // ...and a client's own tests refuse them.
  proto::Request req{{0xAABBCCDDu, 0x11223344u}, kT0 - 1000};
  reply.transmit = codec::to_ntp(kT0 + 1000);
  EXPECT_EQ(proto::check_reply(reply, req, kT0 + 2000).status, proto::ReplyStatus::Unsynchronized);
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

TEST(ServerReply, RootDispersionGrowsFromWhenItWasMeasured) {
  ReferenceState ref;
  ref.synchronized = true;
  ref.reference_time_ns = kT0;
  ref.root_dispersion_ns = 2'000'000;
  ref.dispersion_time_ns = kT0 + 100 * kS;  // a board's error bound, measured now
  EXPECT_EQ(root_dispersion_at(ref, kT0 + 100 * kS), 2'000'000);
  EXPECT_EQ(root_dispersion_at(ref, kT0 + 1100 * kS), 2'000'000 + 15'000'000);
}

TEST(ServerReply, KissOfDeathRateIsUnsynchronizedStratumZero) {
  NtpHeader kod = make_kiss_rate(client_request(3), kT0 + 7, -18);
  EXPECT_EQ(kod.mode, Mode::Server);
  EXPECT_EQ(kod.version, 3);
  EXPECT_EQ(kod.leap, Leap::Unsynchronized);
  EXPECT_EQ(kod.stratum, 0);
  EXPECT_EQ(kod.refid, codec::refid_from_ascii("RATE"));
  EXPECT_EQ(kod.precision_log2, -18);
  EXPECT_EQ(kod.origin, (codec::NtpTimestamp{0xAABBCCDDu, 0x11223344u}));  // the client can match it
  EXPECT_EQ(kod.receive, codec::to_ntp(kT0 + 7));
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

// --- Which requests are answered, and the MAC verdict ------------------------

std::vector<uint8_t> encoded(const NtpHeader& h, size_t extra = 0) {
  std::vector<uint8_t> p(codec::kHeaderSize + extra, 0);
  codec::encode(h, p.data(), p.size());
  return p;
}

const char* const kKeys =
    "1 SHA256 HEX:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
    "2 SHA512 HEX:202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n";

std::unique_ptr<os::KeyRing> ring() { return std::move(*os::KeyRing::parse(kKeys, "test keys")); }

TEST(CheckRequest, AnswersClientAndSymmetricActiveOnly) {
  for (Mode m : {Mode::Client, Mode::SymmetricActive}) {
    NtpHeader h = client_request();
    h.mode = m;
    auto p = encoded(h);
    auto c = check_request(p.data(), p.size());
    ASSERT_TRUE(c.ok()) << static_cast<int>(m);
    EXPECT_EQ(c->header.transmit, h.transmit);
  }
  for (Mode m : {Mode::SymmetricPassive, Mode::Server, Mode::Broadcast}) {
    NtpHeader h = client_request();
    h.mode = m;
    auto p = encoded(h);
    auto c = check_request(p.data(), p.size());
    ASSERT_FALSE(c.ok()) << static_cast<int>(m);
    EXPECT_EQ(c.error(), DropReason::NotRequest);
  }
  uint8_t short_packet[47] = {0x23};
  EXPECT_EQ(check_request(short_packet, sizeof(short_packet)).error(), DropReason::Malformed);
}

struct Authorize : ::testing::Test {
  std::unique_ptr<os::KeyRing> keys = ring();

  Authorization authorize(const std::vector<uint8_t>& p, const MacKeys* k, bool require = false,
                          size_t cap = codec::kHeaderSize + codec::kMaxV3MacSize) {
    auto c = check_request(p.data(), p.size());
    EXPECT_TRUE(c.ok());
    return authorize_request(p.data(), *c, k, require, cap);
  }
  std::vector<uint8_t> signed_request(uint32_t key_id, uint8_t version = 4) {
    std::vector<uint8_t> p = encoded(client_request(version), codec::kMaxV3MacSize);
    p.resize(sign_packet(p.data(), codec::kHeaderSize, p.size(), key_id, *keys));
    return p;
  }
};

TEST_F(Authorize, UnsignedUnlessAuthIsRequired) {
  auto p = encoded(client_request());
  Authorization a = authorize(p, keys.get());
  EXPECT_TRUE(a.ok);
  EXPECT_EQ(a.key_id, 0u);
  a = authorize(p, keys.get(), true);
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.reason, DropReason::Unauthenticated);
}

TEST_F(Authorize, AGoodMacNamesTheKeyToSignWith) {
  for (uint32_t key : {1u, 2u}) {
    Authorization a = authorize(signed_request(key, 3), keys.get());
    EXPECT_TRUE(a.ok);
    EXPECT_EQ(a.key_id, key);
  }
  // No room for the signed reply: not answered.
  Authorization a = authorize(signed_request(2, 3), keys.get(), false, codec::kHeaderSize + 20);
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.reason, DropReason::NotRequest);
}

TEST_F(Authorize, CryptoNakUnknownKeyAndBadMacGetNothing) {
  std::vector<uint8_t> nak = encoded(client_request(), 4);  // a bare key ID 0
  EXPECT_EQ(authorize(nak, keys.get()).reason, DropReason::BadMac);
  EXPECT_FALSE(authorize(nak, keys.get()).ok);
  EXPECT_EQ(authorize(signed_request(1), nullptr).reason, DropReason::UnknownKey);
  auto bad = signed_request(1);
  bad.back() ^= 1;
  EXPECT_EQ(authorize(bad, keys.get()).reason, DropReason::BadMac);
}

// --- The finishing step ------------------------------------------------------

struct FakeClock {
  int64_t now_ns = kT0;
  int reads = 0;
  TransmitClock callback() {
    return {[](void* c) {
              auto* self = static_cast<FakeClock*>(c);
              ++self->reads;
              return self->now_ns;
            },
            this};
  }
};

TEST(FinishReply, StampsTheTransmitTimeOnceAndReportsIt) {
  NtpHeader h;
  make_reply(client_request(), kT0, local_reference(10, -20, kT0, kT0), &h);
  uint8_t out[codec::kHeaderSize];
  codec::encode(h, out, sizeof(out));
  FakeClock clock{kT0 + 2500};
  codec::NtpTimestamp t3;
  EXPECT_EQ(finish_reply(out, sizeof(out), true, clock.callback(), nullptr, 0, &t3), codec::kHeaderSize);
  EXPECT_EQ(clock.reads, 1);
  EXPECT_EQ(t3, codec::to_ntp(kT0 + 2500));
  NtpHeader sent = codec::decode(out, sizeof(out))->header;
  EXPECT_EQ(sent.transmit, t3);
  EXPECT_EQ(sent.receive, h.receive);
}

TEST(FinishReply, AnInterleavedReplyKeepsItsTransmitField) {
  NtpHeader h;
  h.mode = Mode::Server;
  h.transmit = {0x11, 0x22};  // the previous reply's
  uint8_t out[codec::kHeaderSize];
  codec::encode(h, out, sizeof(out));
  FakeClock clock;
  codec::NtpTimestamp t3;
  EXPECT_EQ(finish_reply(out, sizeof(out), false, clock.callback(), nullptr, 0, &t3), codec::kHeaderSize);
  EXPECT_EQ(codec::decode(out, sizeof(out))->header.transmit, (codec::NtpTimestamp{0x11, 0x22}));
  EXPECT_EQ(t3, codec::to_ntp(kT0));  // still read, for the client's record
}

TEST(FinishReply, SignsAfterStampingSoThatTheMacCoversTheTransmitTime) {
  auto keys = ring();
  for (uint8_t version : {uint8_t{3}, uint8_t{4}}) {
    NtpHeader h = make_broadcast(local_reference(10, -20, kT0, kT0), kT0, 6);
    h.version = version;
    uint8_t out[codec::kHeaderSize + codec::kMaxV3MacSize];
    codec::encode(h, out, sizeof(out));
    FakeClock clock{kT0 + 9};
    size_t n = finish_reply(out, sizeof(out), true, clock.callback(), keys.get(), 2, nullptr);
    ASSERT_EQ(n, codec::kHeaderSize + mac_trailer_size(*keys, 2, version));
    auto layout = codec::decode(out, n);
    ASSERT_TRUE(layout.ok());
    EXPECT_EQ(layout->header.transmit, codec::to_ntp(kT0 + 9));
    AuthCheck a = check_auth(out, *layout, keys.get());
    EXPECT_EQ(a.status, AuthStatus::Ok);
    EXPECT_EQ(a.key_id, 2u);
    // No room for the MAC, or no such key: nothing to send.
    EXPECT_EQ(finish_reply(out, codec::kHeaderSize + 8, true, clock.callback(), keys.get(), 2, nullptr), 0u);
    EXPECT_EQ(finish_reply(out, sizeof(out), true, clock.callback(), keys.get(), 9, nullptr), 0u);
    EXPECT_EQ(finish_reply(out, sizeof(out), true, clock.callback(), nullptr, 1, nullptr), 0u);
  }
}

}  // namespace
TEST(FinishReply, IsStampThenSign) {
  // sntpd stamps under its client-table lock and signs after it: the same bytes as one call.
  auto keys = ring();
  NtpHeader h = make_broadcast(local_reference(10, -20, kT0, kT0), kT0, 6);
  uint8_t one[codec::kHeaderSize + codec::kMaxV3MacSize], two[sizeof(one)];
  codec::encode(h, one, sizeof(one));
  codec::encode(h, two, sizeof(two));
  FakeClock clock{kT0 + 77};
  size_t n = finish_reply(one, sizeof(one), true, clock.callback(), keys.get(), 2, nullptr);
  EXPECT_EQ(stamp_reply(two, true, clock.callback()), codec::to_ntp(kT0 + 77));
  EXPECT_EQ(sign_reply(two, sizeof(two), keys.get(), 2), n);
  EXPECT_EQ(std::vector<uint8_t>(one, one + n), std::vector<uint8_t>(two, two + n));
  EXPECT_EQ(sign_reply(two, sizeof(two), keys.get(), 0), codec::kHeaderSize);
  EXPECT_EQ(sign_reply(two, sizeof(two), nullptr, 1), 0u);
}

}  // namespace lansync::proto
