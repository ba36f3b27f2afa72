// Unit tests of the NTS server (RFC 8915): cookies (proto/nts_cookie) sealed, opened, refused and
// rotated; the request path (core::Server with os::NtsServerSiv) against the client's own rules
// (proto/nts): a reply exactly as long as its request, the cookies asked for, the kiss NTSN, forged
// and truncated requests dropped; the NTS-KE server's records (codec/nts_ke) read back by the
// client's parser; the cookie key file (os/file_nts_keys).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <vector>

#include "../support/seed.hpp"
#include "../support/temp_dir.hpp"
#include "codec/nts_ke.hpp"
#include "codec/nts_packet.hpp"
#include "core/server.hpp"
#include "os/crypto_siv.hpp"
#include "os/crypto_siv_keyed.hpp"
#include "os/file_nts_keys.hpp"
#include "proto/exchange.hpp"
#include "proto/nts.hpp"
#include "proto/nts_server.hpp"

namespace lansync {
namespace {

using Bytes = std::vector<uint8_t>;
constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kT0 = 1'795'000'000 * kS;

const os::NtsServerSiv kCrypto;

proto::NtsCookieKey cookie_key(uint32_t id, uint8_t fill) {
  proto::NtsCookieKey k;
  k.id = id;
  for (auto& b : k.key) b = fill;
  return k;
}

proto::NtsSessionKeys session_keys(std::mt19937_64& rng) {
  proto::NtsSessionKeys k;
  for (auto& b : k.c2s) b = static_cast<uint8_t>(rng());
  for (auto& b : k.s2c) b = static_cast<uint8_t>(rng());
  return k;
}

codec::NtsCookie make_cookie(const proto::NtsCookieKey& key, const proto::NtsSessionKeys& keys) {
  codec::NtsCookie c;
  uint8_t nonce[proto::kNtsCookieNonceSize] = {7};
  c.size = proto::seal_cookie(key, keys, nonce, kCrypto, c.bytes, sizeof(c.bytes));
  return c;
}

TEST(NtsCookie, SealsToAConstantLengthAndOpensWithItsKey) {
  auto rng = lansync::testing::seeded_rng();
  proto::NtsCookieKeys ring;
  ring.rotate(cookie_key(41, 0xA5));
  proto::NtsSessionKeys keys = session_keys(rng);
  codec::NtsCookie c = make_cookie(*ring.current(), keys);
  ASSERT_EQ(c.size, proto::kNtsServerCookieSize);
  EXPECT_EQ(c.size, 104u);  // ntpsec needs one length, always
  proto::NtsSessionKeys out;
  ASSERT_TRUE(proto::open_cookie(c.bytes, c.size, ring, kCrypto, &out));
  EXPECT_EQ(Bytes(out.c2s, out.c2s + 32), Bytes(keys.c2s, keys.c2s + 32));
  EXPECT_EQ(Bytes(out.s2c, out.s2c + 32), Bytes(keys.s2c, keys.s2c + 32));
}

TEST(NtsCookie, RefusesAWrongKeyAModifiedByteAndAWrongLength) {
  auto rng = lansync::testing::seeded_rng();
  proto::NtsCookieKeys ring;
  ring.rotate(cookie_key(41, 0xA5));
  codec::NtsCookie c = make_cookie(*ring.current(), session_keys(rng));
  proto::NtsSessionKeys out;
  proto::NtsCookieKeys other;
  other.rotate(cookie_key(41, 0x5A));  // same ID, another key: another server's
  EXPECT_FALSE(proto::open_cookie(c.bytes, c.size, other, kCrypto, &out));
  for (size_t i = 0; i < c.size; ++i) {
    codec::NtsCookie bad = c;
    bad.bytes[i] ^= static_cast<uint8_t>(1u << (rng() % 8));
    EXPECT_FALSE(proto::open_cookie(bad.bytes, bad.size, ring, kCrypto, &out)) << "byte " << i;
  }
  EXPECT_FALSE(proto::open_cookie(c.bytes, c.size - 4, ring, kCrypto, &out));
  EXPECT_FALSE(proto::open_cookie(c.bytes, 0, ring, kCrypto, &out));
}

TEST(NtsCookie, OpensThroughTwoRotationsAndNotAThird) {
  auto rng = lansync::testing::seeded_rng();
  proto::NtsCookieKeys ring;
  ring.rotate(cookie_key(1, 1));
  codec::NtsCookie c = make_cookie(*ring.current(), session_keys(rng));
  proto::NtsSessionKeys out;
  for (uint32_t id = 2; id <= 3; ++id) {
    ring.rotate(cookie_key(id, static_cast<uint8_t>(id)));
    EXPECT_TRUE(proto::open_cookie(c.bytes, c.size, ring, kCrypto, &out)) << "after key " << id;
  }
  ring.rotate(cookie_key(4, 4));
  EXPECT_EQ(ring.count, proto::kNtsCookieKeysKept);
  EXPECT_FALSE(proto::open_cookie(c.bytes, c.size, ring, kCrypto, &out));
  EXPECT_EQ(ring.current()->id, 4u);
}

// The request path: a client built from proto/nts.hpp against core::Server.
struct NtsRequestPath : ::testing::Test {
  std::mt19937_64 rng = lansync::testing::seeded_rng();
  std::unique_ptr<core::Server> server;
  proto::NtsCookieKeys ring;
  proto::NtsSessionKeys keys = session_keys(rng);
  uint8_t unique_id[codec::kNtsUniqueIdSize] = {};
  Bytes reply = Bytes(1024);
  int64_t rx_ns = kT0;

  void SetUp() override {
    core::ServerPolicy policy;
    policy.nts = &kCrypto;
    server = std::make_unique<core::Server>(policy, 64, 5);
    server->set_reference(proto::local_reference(10, -20, kT0, kT0));
    ring.rotate(cookie_key(7, 0x77));
    server->set_nts_keys(ring);
    for (auto& b : unique_id) b = static_cast<uint8_t>(rng());
  }
  static int64_t read_clock(void* self) { return static_cast<NtsRequestPath*>(self)->rx_ns + 500; }
  // A request with a cookie sealed by key and placeholders of placeholder_size-byte cookies.
  Bytes request(const proto::NtsCookieKey& key, size_t placeholders, size_t placeholder_size = 104) {
    Bytes p(1024);
    codec::encode(proto::make_request_header({1, 2}), p.data(), p.size());
    codec::NtsCookie cookie = make_cookie(key, keys);
    size_t n = codec::append_unique_id(p.data(), codec::kHeaderSize, p.size(), unique_id, sizeof(unique_id));
    n = codec::append_nts_cookie(p.data(), n, p.size(), cookie.bytes, cookie.size);
    for (size_t i = 0; i < placeholders; ++i)
      n = codec::append_nts_placeholder(p.data(), n, p.size(), placeholder_size);
    auto c2s = os::SivKey::create(keys.c2s, 32);
    uint8_t nonce[16] = {3};
    uint8_t tag[16];
    EXPECT_EQ(c2s->seal(nonce, 16, p.data(), n, nullptr, 0, tag, sizeof(tag)), 16u);
    n = codec::append_nts_authenticator(p.data(), n, p.size(), nonce, 16, tag, 16);
    p.resize(n);
    return p;
  }
  core::ServerAction handle(const Bytes& p) {
    core::IpAddress from;
    from.family = 4;
    from.bytes[0] = 127;
    from.bytes[3] = 1;
    return server->handle(p.data(), p.size(), from, rx_ns, rx_ns, 1, {&read_clock, this}, reply.data(),
                          reply.size());
  }
  proto::NtsReply judge(size_t size) {
    auto layout = codec::decode(reply.data(), size);
    EXPECT_TRUE(layout.ok());
    auto s2c = os::SivKey::create(keys.s2c, 32);
    proto::NtsReply r;
    proto::check_nts_reply(reply.data(), *layout, unique_id, *s2c, &r);
    return r;
  }
};

TEST_F(NtsRequestPath, ReplyIsAsLongAsTheRequestWithACookieForEachAsked) {
  for (size_t placeholders : {0u, 1u, 3u, 7u}) {
    Bytes p = request(*ring.current(), placeholders);
    core::ServerAction a = handle(p);
    ASSERT_TRUE(a.respond) << proto::describe(a.reason);
    EXPECT_TRUE(a.nts);
    EXPECT_EQ(a.size, p.size()) << placeholders << " placeholders";
    proto::NtsReply r = judge(a.size);
    ASSERT_EQ(r.status, proto::NtsReplyStatus::Ok);
    ASSERT_EQ(r.cookie_count, 1 + placeholders);
    for (size_t i = 0; i < r.cookie_count; ++i) {
      proto::NtsSessionKeys out;
      ASSERT_TRUE(proto::open_cookie(r.cookies[i].bytes, r.cookies[i].size, ring, kCrypto, &out));
      EXPECT_EQ(Bytes(out.s2c, out.s2c + 32), Bytes(keys.s2c, keys.s2c + 32));
    }
  }
}

TEST_F(NtsRequestPath, NeverLongerThanTheRequestWhenPlaceholdersAreShort) {
  Bytes p = request(*ring.current(), 3, 16);  // placeholders too short for our cookies
  core::ServerAction a = handle(p);
  ASSERT_TRUE(a.respond);
  EXPECT_EQ(a.size, p.size());
  proto::NtsReply r = judge(a.size);
  ASSERT_EQ(r.status, proto::NtsReplyStatus::Ok);
  EXPECT_LT(r.cookie_count, 4u);
}

TEST_F(NtsRequestPath, CookieThatDoesNotOpenGetsTheKissNtsn) {
  Bytes p = request(cookie_key(9, 0x99), 1);  // a key this server never had
  core::ServerAction a = handle(p);
  ASSERT_TRUE(a.respond);
  EXPECT_TRUE(a.nts_nak);
  EXPECT_LE(a.size, p.size());
  auto layout = codec::decode(reply.data(), a.size);
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->header.stratum, 0);
  EXPECT_EQ(layout->header.refid, codec::refid_from_ascii("NTSN"));
  EXPECT_EQ(judge(a.size).status, proto::NtsReplyStatus::Nak);
}

TEST_F(NtsRequestPath, ForgedModifiedOrTruncatedRequestsAreDropped) {
  Bytes good = request(*ring.current(), 1);
  // Every byte after the header is covered: the cookie or the authenticator refuses a change (a
  // changed cookie that no longer opens gets NTSN, never an authenticated reply).
  for (size_t i = codec::kHeaderSize; i < good.size(); ++i) {
    Bytes bad = good;
    bad[i] ^= 0x10;
    core::ServerAction a = handle(bad);
    EXPECT_FALSE(a.respond && a.nts) << "byte " << i;
  }
  for (size_t cut = good.size() - 4; cut > codec::kHeaderSize; cut -= 4) {
    core::ServerAction a = handle(Bytes(good.begin(), good.begin() + static_cast<long>(cut)));
    EXPECT_FALSE(a.respond && a.nts) << "cut at " << cut;
  }
  Bytes header_changed = good;
  header_changed[1] ^= 1;  // the header is associated data too
  EXPECT_EQ(handle(header_changed).reason, proto::DropReason::BadNts);
  EXPECT_TRUE(handle(good).nts);
  EXPECT_TRUE(handle(good).nts);  // a replay is answered (RFC 8915 §5.7): the client ignores it
}

TEST(NtsKe, ServerReadsTheClientsRequestAndTheClientReadsTheResponse) {
  uint8_t req[codec::kNtsKeRequestSize];
  size_t n = codec::write_nts_ke_request(req, sizeof(req));
  auto parsed = codec::parse_nts_ke_request(req, n);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->ntp_v4 && parsed->aead_siv);
  codec::NtsCookie cookies[8];
  for (size_t i = 0; i < 8; ++i) cookies[i].size = 104, cookies[i].bytes[0] = static_cast<uint8_t>(i);
  codec::NtsKeAnswer a{cookies, 8, "pi.local", 11123};
  uint8_t out[2048];
  size_t size = codec::write_nts_ke_response(*parsed, a, out, sizeof(out));
  ASSERT_GT(size, 0u);
  auto resp = codec::parse_nts_ke_response(out, size);
  ASSERT_TRUE(resp.ok()) << codec::describe(resp.error().error);
  EXPECT_EQ(resp->cookie_count, 8u);
  EXPECT_EQ(resp->cookies[7].bytes[0], 7);
  EXPECT_STREQ(resp->server, "pi.local");
  EXPECT_EQ(resp->port, 11123);
  EXPECT_EQ(codec::write_nts_ke_response(*parsed, a, out, size - 1), 0u);
}

TEST(NtsKe, UnsupportedOffersGetEmptyRecordsAndBadRequestsAnError) {
  // Next Protocol {0}, AEAD {30} only, End.
  const uint8_t only_30[] = {0x80, 1, 0, 2, 0, 0, 0x80, 4, 0, 2, 0, 30, 0x80, 0, 0, 0};
  auto r = codec::parse_nts_ke_request(only_30, sizeof(only_30));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->aead_siv);
  uint8_t out[64];
  size_t n = codec::write_nts_ke_response(*r, {}, out, sizeof(out));
  EXPECT_EQ(codec::parse_nts_ke_response(out, n).error().error, codec::NtsKeError::BadAead);
  const uint8_t critical_unknown[] = {0x80, 1,  0,    2,  0, 0, 0x80, 4, 0, 2,
                                      0,    15, 0x80, 99, 0, 0, 0x80, 0, 0, 0};
  auto u = codec::parse_nts_ke_request(critical_unknown, sizeof(critical_unknown));
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(codec::error_code(u.error()), codec::kNtsKeErrorUnrecognizedCritical);
  EXPECT_EQ(codec::parse_nts_ke_request(only_30, sizeof(only_30) - 4).error().error,
            codec::NtsKeError::MissingEnd);
  EXPECT_EQ(codec::parse_nts_ke_request(only_30, 5).error().error, codec::NtsKeError::Truncated);
  const uint8_t twice[] = {0x80, 1, 0, 2, 0, 0, 0x80, 1, 0, 2, 0, 0, 0x80, 4, 0, 2, 0, 15, 0x80, 0, 0, 0};
  auto t = codec::parse_nts_ke_request(twice, sizeof(twice));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(codec::error_code(t.error()), codec::kNtsKeErrorBadRequest);
  n = codec::write_nts_ke_error(codec::kNtsKeErrorBadRequest, out, sizeof(out));
  auto e = codec::parse_nts_ke_response(out, n);
  EXPECT_EQ(e.error().error, codec::NtsKeError::ServerError);
  EXPECT_EQ(e.error().code, codec::kNtsKeErrorBadRequest);
  Bytes huge(codec::kNtsKeMaxRequestSize + 1);
  EXPECT_EQ(codec::parse_nts_ke_request(huge.data(), huge.size()).error().error, codec::NtsKeError::TooLong);
}

TEST(NtsKeyFile, SavedMode600ReadBackRotatedWeekly) {
  lansync::testing::TempDir dir;
  std::string path = os::nts_keys_path((dir.path() / "sync-state.json").string());
  EXPECT_EQ(path, (dir.path() / "nts-keys").string());
  auto none = os::read_nts_keys(path);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  os::NtsKeyFile keys;
  EXPECT_TRUE(os::nts_key_due(keys, kT0));
  for (int i = 0; i < 4; ++i) os::rotate_nts_key(keys, kT0 + i * kS);
  EXPECT_EQ(keys.keys.count, proto::kNtsCookieKeysKept);
  ASSERT_TRUE(os::save_nts_keys(path, keys).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = os::read_nts_keys(path);
  ASSERT_TRUE(back.ok() && back->has_value()) << (back.ok() ? "" : back.error().message);
  const os::NtsKeyFile& k = **back;
  ASSERT_EQ(k.keys.count, 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(k.keys.keys[i].id, keys.keys.keys[i].id);
    EXPECT_EQ(Bytes(k.keys.keys[i].key, k.keys.keys[i].key + 32),
              Bytes(keys.keys.keys[i].key, keys.keys.keys[i].key + 32));
  }
  EXPECT_EQ(k.created_ns, kT0 + 3 * kS);
  EXPECT_FALSE(os::nts_key_due(k, kT0 + 3 * kS + os::kNtsKeyRotationNs - kS));
  EXPECT_TRUE(os::nts_key_due(k, kT0 + 3 * kS + os::kNtsKeyRotationNs));
  std::ofstream(path) << "1 zz 0\n";
  auto bad = os::read_nts_keys(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find(":1:"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace lansync
