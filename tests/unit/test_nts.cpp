// Unit tests of NTS over NTP: AES-SIV (os/crypto_siv) against RFC 5297, the extension fields
// (codec/nts_packet) and the client's acceptance rules (proto/nts) against a fake server built
// from the same codec.
#include <gnutls/crypto.h>
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <vector>

#include "../support/hex.hpp"
#include "../support/nts_server.hpp"
#include "../support/seed.hpp"
#include "codec/bytes.hpp"
#include "codec/ntp_packet.hpp"
#include "codec/nts_packet.hpp"
#include "os/crypto_siv.hpp"
#include "proto/nts.hpp"

namespace lansync {
namespace {

using Bytes = std::vector<uint8_t>;
using lansync::testing::from_hex;
using lansync::testing::make_cookie;
using lansync::testing::make_keys;
using lansync::testing::Pair;
using lansync::testing::server_reply;
using Block = std::array<uint8_t, 16>;

// RFC 5297's S2V and CTR written out from the RFC over GnuTLS's AES-CMAC and one-block AES, to
// check nettle's AES-SIV by an independent path (its S2V always takes one associated data
// string and a nonce, so the RFC's one-string vector A.1 is checked on this reference instead).
Block cmac(const uint8_t* key, const Bytes& data) {
  Block out{};
  EXPECT_EQ(gnutls_hmac_fast(GNUTLS_MAC_AES_CMAC_128, key, 16, data.data(), data.size(), out.data()), 0);
  return out;
}

Block dbl(const Block& b) {
  Block out{};
  for (size_t i = 0; i < 16; ++i) out[i] = static_cast<uint8_t>(b[i] << 1 | (i < 15 ? b[i + 1] >> 7 : 0));
  if (b[0] & 0x80) out[15] ^= 0x87;
  return out;
}

Block aes_block(const uint8_t* key, const Block& in) {
  gnutls_cipher_hd_t h = nullptr;
  uint8_t iv[16] = {};
  gnutls_datum_t k{const_cast<uint8_t*>(key), 16}, v{iv, 16};
  EXPECT_EQ(gnutls_cipher_init(&h, GNUTLS_CIPHER_AES_128_CBC, &k, &v), 0);
  Block out{};
  EXPECT_EQ(gnutls_cipher_encrypt2(h, in.data(), 16, out.data(), 16), 0);
  gnutls_cipher_deinit(h);
  return out;
}

// SIV-AES (RFC 5297 §2.4, §2.6): V || C for the strings and the plaintext.
Bytes reference_siv(const Bytes& key, const std::vector<Bytes>& strings, const Bytes& plain) {
  const uint8_t* k1 = key.data();
  const uint8_t* k2 = key.data() + 16;
  Block d = cmac(k1, Bytes(16, 0));
  for (const Bytes& s : strings) {
    Block c = cmac(k1, s);
    d = dbl(d);
    for (size_t i = 0; i < 16; ++i) d[i] ^= c[i];
  }
  Bytes t = plain;
  if (t.size() >= 16) {
    for (size_t i = 0; i < 16; ++i) t[t.size() - 16 + i] ^= d[i];
  } else {
    Block p = dbl(d);
    t.push_back(0x80);
    t.resize(16, 0);
    for (size_t i = 0; i < 16; ++i) t[i] ^= p[i];
  }
  Block v = cmac(k1, t);
  Block q = v;
  q[8] &= 0x7F;
  q[12] &= 0x7F;
  Bytes out(v.begin(), v.end());
  for (size_t off = 0; off < plain.size(); off += 16) {
    Block ks = aes_block(k2, q);
    for (size_t i = 0; i < 16 && off + i < plain.size(); ++i) out.push_back(plain[off + i] ^ ks[i]);
    for (size_t i = 16; i-- > 0 && ++q[i] == 0;) {
    }
  }
  return out;
}

const Bytes kA1Key = from_hex("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");

TEST(AesSiv, ReferenceMatchesRfc5297A1Deterministic) {
  Bytes ad = from_hex("101112131415161718191a1b1c1d1e1f2021222324252627");
  Bytes plain = from_hex("112233445566778899aabbccddee");
  EXPECT_EQ(reference_siv(kA1Key, {ad}, plain),
            from_hex("85632d07c6e8f37f950acd320a2ecc9340c02b9690c4dc04daef7f6afe5c"));
}

TEST(AesSiv, SealsAsTheReferenceAndOpensItsOwn) {
  auto rng = lansync::testing::seeded_rng();
  auto key = os::SivKey::create(kA1Key.data(), kA1Key.size());
  ASSERT_TRUE(key.ok()) << key.error().message;
  for (size_t plain_size : {0u, 5u, 16u, 33u, 104u}) {
    Bytes nonce(16), ad(48 + plain_size), plain(plain_size);
    for (auto* v : {&nonce, &ad, &plain})
      for (auto& b : *v) b = static_cast<uint8_t>(rng());
    Bytes sealed(plain_size + 16);
    ASSERT_EQ(key->seal(nonce.data(), nonce.size(), ad.data(), ad.size(), plain.data(), plain.size(),
                        sealed.data(), sealed.size()),
              sealed.size());
    EXPECT_EQ(sealed, reference_siv(kA1Key, {ad, nonce}, plain)) << plain_size;
    Bytes opened(plain_size + 1);
    size_t n = 99;
    ASSERT_TRUE(key->open(nonce.data(), nonce.size(), ad.data(), ad.size(), sealed.data(), sealed.size(),
                          opened.data(), opened.size(), &n));
    EXPECT_EQ(Bytes(opened.begin(), opened.begin() + static_cast<long>(n)), plain);
    sealed[static_cast<size_t>(rng() % sealed.size())] ^= 1;
    EXPECT_FALSE(key->open(nonce.data(), nonce.size(), ad.data(), ad.size(), sealed.data(), sealed.size(),
                           opened.data(), opened.size(), &n));
  }
}

TEST(AesSiv, RefusesAnEmptyNonceAndAWrongKeySize) {
  auto key = os::SivKey::create(kA1Key.data(), kA1Key.size());
  ASSERT_TRUE(key.ok());
  uint8_t out[32];
  size_t n = 0;
  EXPECT_EQ(key->seal(nullptr, 0, out, 4, nullptr, 0, out, sizeof(out)), 0u);  // nettle would abort
  EXPECT_FALSE(key->open(nullptr, 0, out, 4, out, 16, out, sizeof(out), &n));
  EXPECT_FALSE(key->open(out, 16, out, 4, out, 15, out, sizeof(out), &n));
  EXPECT_FALSE(os::SivKey::create(kA1Key.data(), 16).ok());
}

struct Request {
  Bytes bytes;
  std::array<uint8_t, 32> unique_id{};
};

Request client_request(const Pair& keys, size_t placeholders = 0) {
  Request r;
  for (size_t i = 0; i < 32; ++i) r.unique_id[i] = static_cast<uint8_t>(i * 7);
  uint8_t nonce[16] = {1, 2, 3};
  std::vector<uint8_t> buf(proto::kMaxNtsRequestSize);
  codec::NtpHeader h;
  h.transmit = {0x12345678, 0x9abcdef0};
  size_t n = codec::encode(h, buf.data(), buf.size());
  n = proto::append_nts_request(buf.data(), n, buf.size(), r.unique_id.data(), make_cookie(0xC0),
                                placeholders, nonce, keys.c2s);
  EXPECT_GT(n, 0u);
  buf.resize(n);
  r.bytes = buf;
  return r;
}

proto::NtsReply judge(const Bytes& reply, const Request& req, const os::SivKey& s2c) {
  auto layout = codec::decode(reply.data(), reply.size());
  EXPECT_TRUE(layout.ok());
  auto out = std::make_unique<proto::NtsReply>();
  proto::check_nts_reply(reply.data(), *layout, req.unique_id.data(), s2c, out.get());
  return *out;
}

TEST(NtsExchange, TheFakeServerVerifiesTheRequestLayout) {
  Pair keys = make_keys(1);
  Request req = client_request(keys, 2);
  auto layout = codec::decode(req.bytes.data(), req.bytes.size());
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->extension_count, 5u);  // identifier, cookie, two placeholders, authenticator
  auto nts = codec::locate_nts(req.bytes.data(), *layout);
  ASSERT_TRUE(nts.ok()) << codec::describe(nts.error());
  EXPECT_EQ(nts->unique_id.size, 32u);
  EXPECT_EQ(nts->nonce.size, 16u);
  EXPECT_EQ(nts->ciphertext.size, 16u);  // the SIV alone: nothing encrypted
  EXPECT_EQ(nts->associated_size, req.bytes.size() - (4 + 4 + 16 + 16));
  uint8_t plain[16];
  size_t n = 1;
  EXPECT_TRUE(keys.c2s.open(nts->nonce.data, nts->nonce.size, req.bytes.data(), nts->associated_size,
                            nts->ciphertext.data, nts->ciphertext.size, plain, sizeof(plain), &n));
  EXPECT_EQ(n, 0u);
  EXPECT_FALSE(keys.s2c.open(nts->nonce.data, nts->nonce.size, req.bytes.data(), nts->associated_size,
                             nts->ciphertext.data, nts->ciphertext.size, plain, sizeof(plain), &n));
}

TEST(NtsExchange, AnAuthenticatedReplyIsAcceptedWithItsCookies) {
  Pair keys = make_keys(1);
  Request req = client_request(keys);
  Bytes reply = server_reply(req.bytes, {req.unique_id.data(), &keys.s2c, 3});
  proto::NtsReply r = judge(reply, req, keys.s2c);
  EXPECT_EQ(r.status, proto::NtsReplyStatus::Ok);
  ASSERT_EQ(r.cookie_count, 3u);
  EXPECT_EQ(r.cookies[2].size, 100u);
  EXPECT_EQ(r.cookies[2].bytes[0], 0xD2);
}

TEST(NtsExchange, EveryUnauthenticatedOrMismatchedReplyIsRefused) {
  Pair keys = make_keys(1);
  Request req = client_request(keys);
  uint8_t other[32] = {};
  using S = proto::NtsReplyStatus;
  EXPECT_EQ(judge(server_reply(req.bytes, {other, &keys.s2c}), req, keys.s2c).status, S::NotOurs);
  EXPECT_EQ(judge(server_reply(req.bytes, {req.unique_id.data(), nullptr}), req, keys.s2c).status,
            S::Unauthenticated);
  EXPECT_EQ(judge(server_reply(req.bytes, {nullptr, &keys.s2c}), req, keys.s2c).status, S::Unauthenticated);
  EXPECT_EQ(judge(server_reply(req.bytes, {req.unique_id.data(), &keys.c2s}), req, keys.s2c).status,
            S::BadAuthenticator);
  EXPECT_EQ(judge(server_reply(req.bytes, {req.unique_id.data(), &keys.s2c, 1, true}), req, keys.s2c).status,
            S::Unauthenticated);
  Bytes good = server_reply(req.bytes, {req.unique_id.data(), &keys.s2c});
  for (size_t i : {size_t{1}, size_t{40}, size_t{60}, good.size() - 1}) {  // header, identifier, ciphertext
    Bytes bad = good;
    bad[i] ^= 0x01;
    EXPECT_EQ(judge(bad, req, keys.s2c).status, i == 60 ? S::NotOurs : S::BadAuthenticator) << i;
  }
}

TEST(NtsExchange, AKissNtsnCountsOnlyWithOurIdentifier) {
  Pair keys = make_keys(1);
  Request req = client_request(keys);
  uint32_t ntsn = codec::refid_from_ascii("NTSN");
  uint8_t other[32] = {};
  EXPECT_EQ(
      judge(server_reply(req.bytes, {req.unique_id.data(), nullptr, 0, false, ntsn}), req, keys.s2c).status,
      proto::NtsReplyStatus::Nak);
  EXPECT_EQ(judge(server_reply(req.bytes, {other, nullptr, 0, false, ntsn}), req, keys.s2c).status,
            proto::NtsReplyStatus::NotOurs);
}

TEST(NtsPacket, MalformedAuthenticatorsAndPackedFieldsAreRefused) {
  Bytes p(codec::kHeaderSize, 0);
  p[0] = 0x24;
  Bytes buf(512);
  std::copy(p.begin(), p.end(), buf.begin());
  uint8_t id[32] = {};
  size_t n = codec::append_unique_id(buf.data(), p.size(), buf.size(), id, 32);
  uint8_t value[40] = {0x00, 0x10, 0x00, 0x40};  // nonce 16, ciphertext 64: more than the field holds
  n += codec::encode_extension(codec::kEfNtsAuthenticator, value, sizeof(value), true, buf.data() + n,
                               buf.size() - n);
  auto layout = codec::decode(buf.data(), n);
  ASSERT_TRUE(layout.ok());
  auto nts = codec::locate_nts(buf.data(), *layout);
  ASSERT_FALSE(nts.ok());
  EXPECT_EQ(nts.error(), codec::NtsPacketError::BadAuthenticator);

  const uint8_t packed[] = {0x02, 0x04, 0x00, 0x08, 1, 2, 3, 4, 0x02, 0x04, 0x00, 0x10, 1, 2};
  size_t off = 0;
  codec::ExtensionField f;
  EXPECT_TRUE(codec::next_packed_extension(packed, sizeof(packed), &off, &f));
  EXPECT_EQ(f.value_size, 4u);
  EXPECT_FALSE(codec::next_packed_extension(packed, sizeof(packed), &off, &f));  // runs past the end
  EXPECT_EQ(codec::append_nts_placeholder(buf.data(), 0, buf.size(), 100), 104u);
  EXPECT_EQ(codec::load_be16(buf.data()), codec::kEfNtsCookiePlaceholder);
  EXPECT_EQ(codec::append_nts_placeholder(buf.data(), 0, 103, 100), 0u);
}

TEST(NtsCookieJar, KeepsTheNewestEightAndHandsOutTheOldestOnce) {
  proto::NtsCookieJar jar;
  for (uint8_t i = 0; i < 10; ++i) jar.put(make_cookie(i, 4));
  EXPECT_EQ(jar.count(), 8u);
  codec::NtsCookie c;
  ASSERT_TRUE(jar.take(&c));
  EXPECT_EQ(c.bytes[0], 2);
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(jar.take(&c));
  EXPECT_EQ(c.bytes[0], 9);
  EXPECT_FALSE(jar.take(&c));
}

}  // namespace
}  // namespace lansync
