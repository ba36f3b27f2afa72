// Unit tests of NTP authentication (proto/auth) in the request path, with the
// libsodium key ring and packets signed by chrony (the client's rule: test_exchange).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../support/hex.hpp"
#include "codec/mac.hpp"
#include "core/exchange.hpp"
#include "core/server.hpp"
#include "os/crypto_keys.hpp"
#include "os/net_address.hpp"
#include "proto/auth.hpp"

namespace lansync::core {
namespace {

using codec::NtpHeader;
using namespace proto;

// The keys of tests/golden/chrony-4.3-auth.hex.
const char* const kKeys =
    "1 SHA256 HEX:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
    "2 SHA512 HEX:202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n";

std::unique_ptr<os::KeyRing> ring(const std::string& text = kKeys) {
  auto r = os::KeyRing::parse(text, "test keys");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return std::move(*r);
}

std::vector<uint8_t> golden(int line) { return lansync::testing::golden_packet("chrony-4.3-auth.hex", line); }

AuthCheck check(const std::vector<uint8_t>& p, const MacKeys* keys) {
  auto layout = codec::decode(p.data(), p.size());
  EXPECT_TRUE(layout.ok());
  return check_auth(p.data(), *layout, keys);
}

TEST(Auth, VerifiesEveryPacketChronySigned) {
  auto keys = ring();
  const uint32_t key_of_line[] = {1, 1, 2, 2, 1, 1, 1, 2};
  for (int line = 0; line < 8; ++line) {
    AuthCheck a = check(golden(line), keys.get());
    EXPECT_EQ(a.status, AuthStatus::Ok) << "line " << line + 1 << ": " << describe(a.status);
    EXPECT_EQ(a.key_id, key_of_line[line]);
  }
}

TEST(Auth, SignsExactlyAsChronyDoes) {
  // chronyd's replies (lines 2, 4, 6) re-signed by us from their bare header.
  auto keys = ring();
  for (int line : {1, 3, 5}) {
    auto reply = golden(line);
    std::vector<uint8_t> ours(reply.begin(), reply.begin() + codec::kHeaderSize);
    ours.resize(reply.size() + 8);
    uint32_t key_id = codec::load_be32(reply.data() + codec::kHeaderSize);
    size_t size = sign_packet(ours.data(), codec::kHeaderSize, ours.size(), key_id, *keys);
    ASSERT_EQ(size, reply.size()) << "line " << line + 1;
    ours.resize(size);
    EXPECT_EQ(ours, reply) << "line " << line + 1;
  }
}

TEST(Auth, AnyChangedBitFailsTheCheck) {
  auto keys = ring();
  auto p = golden(0);
  for (size_t byte : {size_t{0}, size_t{40}, size_t{47}, size_t{52}, p.size() - 1}) {
    auto bad = p;
    bad[byte] ^= 0x01;
    auto layout = codec::decode(bad.data(), bad.size());
    if (!layout) continue;  // e.g. a flipped mode bit makes it no NTP packet at all
    AuthStatus s = check_auth(bad.data(), *layout, keys.get()).status;
    EXPECT_TRUE(s == AuthStatus::BadMac || s == AuthStatus::UnknownKey) << "byte " << byte;
  }
}

TEST(Auth, KeysWeDoNotHoldAreUnknown) {
  auto only2 = ring("2 SHA512 HEX:202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n");
  EXPECT_EQ(check(golden(0), only2.get()).status, AuthStatus::UnknownKey);
  EXPECT_EQ(check(golden(0), nullptr).status, AuthStatus::UnknownKey);
}

TEST(Auth, TheSameIdWithAnotherKeyIsABadMac) {
  auto other = ring("1 SHA256 HEX:ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
  EXPECT_EQ(check(golden(0), other.get()).status, AuthStatus::BadMac);
}

TEST(Auth, ADigestOfTheWrongLengthIsABadMac) {
  // A 16-byte digest (an MD5-sized trailer) for a SHA256 key: chrony refuses it too.
  auto keys = ring();
  auto p = golden(0);
  p.resize(codec::kHeaderSize + 4 + 16);
  EXPECT_EQ(check(p, keys.get()).status, AuthStatus::BadMac);
}

TEST(Auth, UnsignedAndCryptoNak) {
  auto keys = ring();
  auto p = golden(0);
  p.resize(codec::kHeaderSize);
  EXPECT_EQ(check(p, keys.get()).status, AuthStatus::Unsigned);
  p.resize(codec::kHeaderSize + 4, 0);
  EXPECT_EQ(check(p, keys.get()).status, AuthStatus::CryptoNak);
}

TEST(Auth, SignPacketRefusesUnknownKeysAndShortBuffers) {
  auto keys = ring();
  uint8_t p[codec::kHeaderSize + 24] = {4 << 3 | 3};
  EXPECT_EQ(sign_packet(p, codec::kHeaderSize, sizeof(p), 9, *keys), 0u);
  EXPECT_EQ(sign_packet(p, codec::kHeaderSize, sizeof(p) - 1, 1, *keys), 0u);
  EXPECT_EQ(sign_packet(p, codec::kHeaderSize, sizeof(p), 1, *keys), sizeof(p));
  EXPECT_EQ(mac_trailer_size(*keys, 2, 4), 24u);
  EXPECT_EQ(mac_trailer_size(*keys, 2, 3), 68u);
  EXPECT_EQ(mac_trailer_size(*keys, 3, 4), 0u);
}

// SHA1 (20-byte MAC) and AES128 CMAC (16 bytes) keys, as chronyc keygen makes them.
const char* const kLegacyKeys =
    "3 SHA1 HEX:75388cd24c9b15666342921464f226fc7d179a98\n"
    "4 AES128 HEX:ff23850986e6888bedafa3731076c51b\n";

TEST(Auth, Sha1AndAesCmacTrailersHaveTheirWholeMacInEveryVersion) {
  auto keys = ring(kLegacyKeys);
  for (uint8_t version : {uint8_t{3}, uint8_t{4}}) {
    EXPECT_EQ(mac_trailer_size(*keys, 3, version), 24u) << int{version};  // 4 + 20: nothing to cut
    EXPECT_EQ(mac_trailer_size(*keys, 4, version), 20u) << int{version};  // 4 + 16
  }
  EXPECT_EQ(codec::mac_digest_size(4, 16), 16u);
  EXPECT_EQ(codec::mac_digest_size(3, 16), 16u);
  EXPECT_EQ(codec::mac_digest_size(4, 20), 20u);
  EXPECT_EQ(codec::mac_digest_size(3, 20), 20u);
}

TEST(Auth, SignedWithSha1OrAesCmacVerifiesAndNoOtherLengthDoes) {
  auto keys = ring(kLegacyKeys);
  for (uint8_t version : {uint8_t{3}, uint8_t{4}}) {
    for (uint32_t key_id : {3u, 4u}) {
      uint8_t p[codec::kHeaderSize + codec::kMaxV3MacSize] = {static_cast<uint8_t>(version << 3 | 3)};
      p[40] = 0x5a;
      size_t size = sign_packet(p, codec::kHeaderSize, sizeof(p), key_id, *keys);
      ASSERT_EQ(size, codec::kHeaderSize + mac_trailer_size(*keys, key_id, version));
      std::vector<uint8_t> good(p, p + size);
      AuthCheck a = check(good, keys.get());
      EXPECT_EQ(a.status, AuthStatus::Ok) << "v" << int{version} << " key " << key_id;
      EXPECT_EQ(a.key_id, key_id);
      // The other key type's length: 4 more or 4 fewer digest bytes, as chrony refuses.
      std::vector<uint8_t> longer = good;
      longer.resize(good.size() + 4);
      std::vector<uint8_t> shorter(good.begin(), good.end() - 4);
      EXPECT_EQ(check(key_id == 4 ? longer : shorter, keys.get()).status, AuthStatus::BadMac);
      good[40] ^= 1;
      EXPECT_EQ(check(good, keys.get()).status, AuthStatus::BadMac);
    }
  }
}

// --- The request path -------------------------------------------------------

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kT0 = 1'795'000'000 * kS;

IpAddress loopback() { return os::resolve({"127.0.0.1", 123})->front().ip_address(); }

struct SignedRequests : ::testing::Test {
  std::unique_ptr<os::KeyRing> keys = ring();
  ServerPolicy policy;
  std::unique_ptr<Server> server;  // made with policy at the first request, or by restart()
  uint8_t reply[codec::kHeaderSize + codec::kMaxV3MacSize];
  size_t reply_size = 0;
  int64_t transmit_ns = 0;

  void SetUp() override { policy.keys = keys.get(); }
  void restart() {
    server = std::make_unique<Server>(policy, 1024, 99);
    server->set_reference(proto::local_reference(10, -20, kT0, kT0));
  }

  // A request of the given version carrying cookie, signed with key_id (0: unsigned).
  std::vector<uint8_t> request(uint32_t key_id, uint8_t version = 4, codec::NtpTimestamp origin = {},
                               codec::NtpTimestamp receive = {}, codec::NtpTimestamp cookie = {1, 2}) {
    NtpHeader h = proto::make_request_header(cookie);
    h.version = version;
    h.origin = origin;
    h.receive = receive;
    std::vector<uint8_t> p(codec::kHeaderSize + codec::kMaxV3MacSize);
    size_t size = codec::encode(h, p.data(), p.size());
    if (key_id != 0) size = sign_packet(p.data(), size, p.size(), key_id, *keys);
    p.resize(size);
    return p;
  }
  // Runs the request path; the transmit time is 5 us after the receive time.
  ServerAction handle(const std::vector<uint8_t>& p, int64_t rx = kT0 + 1000, uint32_t random = 1) {
    if (!server) restart();
    transmit_ns = rx + 5000;
    proto::TransmitClock clock{[](void* t) { return *static_cast<int64_t*>(t); }, &transmit_ns};
    ServerAction out =
        server->handle(p.data(), p.size(), loopback(), rx, rx, random, clock, reply, sizeof(reply));
    reply_size = out.respond ? out.size : 0;
    return out;
  }
  AuthCheck reply_auth() { return check(std::vector<uint8_t>(reply, reply + reply_size), keys.get()); }
};

TEST_F(SignedRequests, ASignedRequestGetsAReplySignedWithTheSameKeyAndOfTheSameSize) {
  for (uint32_t key : {1u, 2u}) {
    for (uint8_t version : {uint8_t{3}, uint8_t{4}}) {
      auto p = request(key, version);
      ServerAction out = handle(p);
      ASSERT_TRUE(out.respond) << describe(out.reason);
      EXPECT_EQ(reply_size, p.size()) << "key " << key << " version " << int{version};
      AuthCheck a = reply_auth();
      EXPECT_EQ(a.status, AuthStatus::Ok);
      EXPECT_EQ(a.key_id, key);
    }
  }
}

TEST_F(SignedRequests, ChronysOwnRequestsAreAnswered) {
  for (int line : {0, 2, 4, 6, 7}) {
    auto p = golden(line);
    ServerAction out = handle(p);
    ASSERT_TRUE(out.respond) << "line " << line + 1 << ": " << describe(out.reason);
    EXPECT_EQ(reply_size, p.size());
    EXPECT_EQ(reply_auth().status, AuthStatus::Ok);
  }
}

TEST_F(SignedRequests, UnsignedRequestsGetUnsignedRepliesUnlessAuthIsRequired) {
  ServerAction out = handle(request(0));
  ASSERT_TRUE(out.respond);
  EXPECT_EQ(reply_size, codec::kHeaderSize);
  EXPECT_EQ(reply_auth().status, AuthStatus::Unsigned);
  policy.require_auth = true;
  restart();
  out = handle(request(0));
  EXPECT_FALSE(out.respond);
  EXPECT_EQ(out.reason, proto::DropReason::Unauthenticated);
  EXPECT_TRUE(handle(request(1)).respond);
}

TEST_F(SignedRequests, UnknownKeysAndBadMacsGetNoReply) {
  auto other = ring("7 SHA256 HEX:ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
  std::vector<uint8_t> p(codec::kHeaderSize + 24);
  codec::encode(proto::make_request_header({1, 2}), p.data(), p.size());
  ASSERT_EQ(sign_packet(p.data(), codec::kHeaderSize, p.size(), 7, *other), p.size());
  ServerAction out = handle(p);
  EXPECT_FALSE(out.respond);
  EXPECT_EQ(out.reason, proto::DropReason::UnknownKey);

  auto bad = request(1);
  bad.back() ^= 0x80;
  out = handle(bad);
  EXPECT_FALSE(out.respond);
  EXPECT_EQ(out.reason, proto::DropReason::BadMac);

  auto nak = request(0);
  nak.resize(codec::kHeaderSize + 4, 0);
  out = handle(nak);
  EXPECT_FALSE(out.respond);
  EXPECT_EQ(out.reason, proto::DropReason::BadMac);
  EXPECT_STREQ(describe(proto::DropReason::BadMac), "bad_mac");
  EXPECT_STREQ(describe(proto::DropReason::UnknownKey), "unknown_key");
}

TEST_F(SignedRequests, WithoutKeysEverySignedRequestIsByAnUnknownKey) {
  policy.keys = nullptr;
  restart();
  ServerAction out = handle(request(1));
  EXPECT_FALSE(out.respond);
  EXPECT_EQ(out.reason, proto::DropReason::UnknownKey);
  EXPECT_TRUE(handle(request(0)).respond);
}

TEST_F(SignedRequests, InterleavedRepliesAreSignedToo) {
  ASSERT_TRUE(handle(request(1), kT0 + 1000).respond);
  NtpHeader first = codec::decode(reply, reply_size)->header;
  // RFC 9769: the next request echoes our receive timestamp as its origin.
  auto p = request(1, 4, first.receive, codec::to_ntp(kT0 + 2000), {3, 4});
  ServerAction out = handle(p, kT0 + 3 * kS);
  ASSERT_TRUE(out.respond);
  EXPECT_TRUE(out.interleaved);
  EXPECT_EQ(reply_size, p.size());
  EXPECT_EQ(reply_auth().status, AuthStatus::Ok);
  EXPECT_EQ(reply_auth().key_id, 1u);
}

TEST_F(SignedRequests, ASignedSymmetricActiveRequestGetsASignedPassiveReply) {
  for (uint32_t key : {1u, 2u}) {
    auto p = request(key);
    p[0] = static_cast<uint8_t>((p[0] & 0xF8) | 1);  // mode 1, as w32tm or chrony's `peer ... key N`
    size_t size = sign_packet(p.data(), codec::kHeaderSize, p.size(), key, *keys);  // again, for mode 1
    ASSERT_EQ(size, p.size());
    ServerAction out = handle(p);
    ASSERT_TRUE(out.respond) << describe(out.reason);
    EXPECT_TRUE(out.passive);
    EXPECT_EQ(reply_size, p.size());
    EXPECT_EQ(codec::decode(reply, reply_size)->header.mode, codec::Mode::SymmetricPassive);
    AuthCheck a = reply_auth();
    EXPECT_EQ(a.status, AuthStatus::Ok);
    EXPECT_EQ(a.key_id, key);
  }
  // Signed with a wrong MAC: nothing, as for a client.
  auto bad = request(1);
  bad[0] = static_cast<uint8_t>((bad[0] & 0xF8) | 1);  // the MAC no longer covers this header
  EXPECT_EQ(handle(bad).reason, proto::DropReason::BadMac);
}

TEST_F(SignedRequests, AKissOfDeathToASignedRequestIsSigned) {
  policy.rate_limit.enabled = true;
  policy.rate_limit.burst = 1;
  policy.rate_limit.kod = true;
  ServerAction out;
  for (int i = 0; i < 20 && !out.kod; ++i) out = handle(request(1), kT0 + 1000 + i, /*random=*/1);
  ASSERT_TRUE(out.kod);
  EXPECT_EQ(reply_auth().status, AuthStatus::Ok);
  EXPECT_EQ(reply_auth().key_id, 1u);
}

}  // namespace
}  // namespace lansync::core
