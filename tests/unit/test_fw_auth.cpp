// Tests of the board's NTP key (firmware/core/auth): its requests are signed byte for byte as
// libsync's core/auth signs them, and replies, broadcasts and requests it must not trust are refused.
#include <gtest/gtest.h>
#include <sodium.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "codec/mac.hpp"
#include "codec/ntp_packet.hpp"
#include "codec/timestamp.hpp"
#include "proto/auth.hpp"
#include "firmware/core/auth.hpp"
#include "firmware/core/board.hpp"
#include "firmware/core/ntp_client.hpp"
#include "os/keys.hpp"

namespace lansync::fw {
namespace {

constexpr int64_t kT = int64_t{1'795'000'000} * 1'000'000'000;
constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;

// The keys of tests/golden/chrony-4.3-auth.hex, as sntpd and chrony read them.
const char* const kKeys =
    "1 SHA256 HEX:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
    "2 SHA512 HEX:202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n";

std::unique_ptr<os::KeyRing> ring() {
  auto r = os::KeyRing::parse(kKeys, "test keys");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return std::move(*r);
}

// The port's hash as an ESP port computes it: over the key bytes the board holds.
bool sodium_hash(void*, const MacKey& key, const uint8_t* data, size_t size, uint8_t* out) {
  if (key.type == HashType::Sha512) {
    crypto_hash_sha512_state s;
    crypto_hash_sha512_init(&s);
    crypto_hash_sha512_update(&s, key.bytes, key.size);
    crypto_hash_sha512_update(&s, data, size);
    crypto_hash_sha512_final(&s, out);
  } else {
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, key.bytes, key.size);
    crypto_hash_sha256_update(&s, data, size);
    crypto_hash_sha256_final(&s, out);
  }
  return true;
}

// Key 1 (SHA256) or 2 (SHA512) of kKeys, held in the board's buffer.
MacKey board_key(uint32_t id) {
  MacKey k;
  k.id = id;
  k.type = id == 2 ? HashType::Sha512 : HashType::Sha256;
  k.size = 32;
  for (size_t i = 0; i < k.size; ++i) k.bytes[i] = static_cast<uint8_t>((id == 2 ? 0x20 : 0) + i);
  k.hash = &sodium_hash;
  return k;
}

std::vector<uint8_t> request(NtpClient& c, const MacKey* key, int64_t local_ns = 5 * kS) {
  std::vector<uint8_t> buf(codec::kHeaderSize + codec::kMaxV4MacSize);
  buf.resize(c.make_request(local_ns, 0x1122334455667788, buf.data(), buf.size(), key));
  return buf;
}

// A good server reply to req, unsigned.
std::vector<uint8_t> reply_to(const std::vector<uint8_t>& req, codec::Mode mode = codec::Mode::Server) {
  codec::NtpHeader h;
  h.mode = mode;
  h.stratum = 2;
  h.refid = 0xC0A80401;
  h.origin = codec::decode(req.data(), req.size())->header.transmit;
  h.receive = codec::to_ntp(kT);
  h.transmit = codec::to_ntp(kT + 1 * kMs);
  std::vector<uint8_t> out(codec::kHeaderSize + codec::kMaxV3MacSize);
  out.resize(codec::encode(h, out.data(), out.size()));
  return out;
}

// packet signed by libsync (core/auth) with key_id of kKeys.
std::vector<uint8_t> signed_by_libsync(std::vector<uint8_t> packet, uint32_t key_id) {
  auto keys = ring();
  size_t n = packet.size();
  packet.resize(n + codec::kMaxV3MacSize);
  packet.resize(proto::sign_packet(packet.data(), n, packet.size(), key_id, *keys));
  EXPECT_GT(packet.size(), n);
  return packet;
}

TEST(FwAuth, SignsRequestsExactlyAsLibsyncDoes) {
  for (uint32_t id : {1u, 2u}) {
    MacKey key = board_key(id);
    NtpClient c(ClientConfig{});
    c.start(5 * kS);
    std::vector<uint8_t> ours = request(c, &key);
    // NTPv4: key ID + 20 bytes of digest, SHA-256 and SHA-512 alike (chrony, ntpsec).
    ASSERT_EQ(ours.size(), codec::kHeaderSize + 24) << "key " << id;
    std::vector<uint8_t> theirs(ours.begin(), ours.begin() + codec::kHeaderSize);
    EXPECT_EQ(ours, signed_by_libsync(theirs, id)) << "key " << id;
    auto keys = ring();
    auto layout = codec::decode(ours.data(), ours.size());
    ASSERT_TRUE(layout.ok());
    EXPECT_EQ(proto::check_auth(ours.data(), *layout, keys.get()).status, proto::AuthStatus::Ok);
  }
}

TEST(FwAuth, WithoutAKeyRequestsStayBare) {
  NtpClient c(ClientConfig{});
  c.start(5 * kS);
  EXPECT_EQ(request(c, nullptr).size(), codec::kHeaderSize);
  MacKey none;  // id 0
  EXPECT_EQ(request(c, &none, 5 * kS + 250 * kMs).size(), codec::kHeaderSize);
}

TEST(FwAuth, UsesOnlyRepliesSignedWithItsKey) {
  MacKey key = board_key(1);
  NtpClient c(ClientConfig{});
  c.start(5 * kS);
  std::vector<uint8_t> req = request(c, &key);
  std::vector<uint8_t> bare = reply_to(req);
  auto on = [&](const std::vector<uint8_t>& p) {
    return c.on_reply(p.data(), p.size(), 5 * kS + kMs, kT, &key);
  };

  EXPECT_EQ(on(bare), ReplyVerdict::Unauthenticated) << "unsigned";
  EXPECT_EQ(on(signed_by_libsync(bare, 2)), ReplyVerdict::Unauthenticated) << "another key";
  std::vector<uint8_t> bad = signed_by_libsync(bare, 1);
  bad.back() ^= 1;
  EXPECT_EQ(on(bad), ReplyVerdict::Unauthenticated) << "a bad MAC";
  std::vector<uint8_t> nak = bare;
  nak.resize(nak.size() + 4, 0);
  EXPECT_EQ(on(nak), ReplyVerdict::Unauthenticated) << "a crypto-NAK";
  std::vector<uint8_t> short_mac = signed_by_libsync(bare, 1);
  short_mac.resize(short_mac.size() - 4);  // 16 bytes of digest: decodable, but not chrony's length
  EXPECT_EQ(on(short_mac), ReplyVerdict::Unauthenticated) << "a digest of the wrong length";
  // None of them used up the request: the genuine reply still counts, once.
  std::vector<uint8_t> good = signed_by_libsync(bare, 1);
  EXPECT_EQ(on(good), ReplyVerdict::Accepted);
  EXPECT_EQ(on(good), ReplyVerdict::Ignored);
}

TEST(FwAuth, UsesOnlyBroadcastsSignedWithItsKey) {
  MacKey key = board_key(2);
  codec::NtpHeader h;
  h.mode = codec::Mode::Broadcast;
  h.stratum = 3;
  h.transmit = codec::to_ntp(kT);
  std::vector<uint8_t> bare(codec::kHeaderSize);
  codec::encode(h, bare.data(), bare.size());
  BurstResult b;
  auto on = [&](const std::vector<uint8_t>& p) {
    return read_broadcast(p.data(), p.size(), 42 * kS, kT, 3 * kMs, &b, &key);
  };
  EXPECT_EQ(on(bare), ReplyVerdict::Unauthenticated);
  EXPECT_EQ(on(signed_by_libsync(bare, 1)), ReplyVerdict::Unauthenticated);
  EXPECT_EQ(on(signed_by_libsync(bare, 2)), ReplyVerdict::Accepted);
  EXPECT_EQ(read_broadcast(bare.data(), bare.size(), 42 * kS, kT, 3 * kMs, &b), ReplyVerdict::Accepted)
      << "no key: any broadcast";
}

uint64_t counter_random(void* context) { return ++*static_cast<uint64_t*>(context); }

// A board holding key 1, its cookies counted from *seed.
BoardConfig keyed_config(uint64_t* seed) {
  BoardConfig c;
  c.key = board_key(1);
  c.random64 = &counter_random;
  c.random_context = seed;
  return c;
}

TEST(FwAuth, BoardCountsRefusedRepliesAndSaysWhy) {
  uint64_t seed = 7;
  BoardConfig c = keyed_config(&seed);
  c.use_server = true;
  Board b(c);
  b.start(0);
  Action a = b.next_action(0);
  ASSERT_EQ(a.kind, ActionKind::SendNtp);
  std::vector<uint8_t> req(a.data, a.data + a.size);
  ASSERT_EQ(req.size(), codec::kHeaderSize + 24u);
  std::vector<uint8_t> bare = reply_to(req);
  b.on_ntp_packet(bare.data(), bare.size(), 2 * kMs);
  std::vector<uint8_t> bad = signed_by_libsync(bare, 1);
  bad[codec::kHeaderSize + 4] ^= 0x80;
  b.on_ntp_packet(bad.data(), bad.size(), 2 * kMs);
  EXPECT_EQ(b.status(3 * kMs).unauthenticated, 2u);
  Event e;
  ASSERT_TRUE(b.next_event(&e));
  EXPECT_EQ(e.kind, EventKind::Unauthenticated);
  EXPECT_EQ(static_cast<MacCheck>(e.code), MacCheck::Unsigned);
  EXPECT_FALSE(b.next_event(&e)) << "said once";
}

TEST(FwAuth, ServerModeSignsRepliesToSignedRequests) {
  uint64_t seed = 7;
  BoardConfig c = keyed_config(&seed);
  c.serve = true;
  Board b(c);
  b.start(0);
  codec::NtpHeader q;
  q.mode = codec::Mode::Client;
  q.version = 4;
  q.transmit = codec::NtpTimestamp::from_raw(0xABCDEF);
  std::vector<uint8_t> bare(codec::kHeaderSize);
  codec::encode(q, bare.data(), bare.size());
  uint8_t out[codec::kHeaderSize + codec::kMaxV3MacSize];
  auto keys = ring();
  auto serve = [&](const std::vector<uint8_t>& req) {
    size_t n = b.serve_ntp(req.data(), req.size(), kMs, out, sizeof(out));
    if (n > 0) n = b.stamp_transmit(out, n, 2 * kMs);
    return std::vector<uint8_t>(out, out + n);
  };

  std::vector<uint8_t> signed_req = signed_by_libsync(bare, 1);
  std::vector<uint8_t> rep = serve(signed_req);
  ASSERT_EQ(rep.size(), signed_req.size());
  auto layout = codec::decode(rep.data(), rep.size());
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->header.origin.raw(), 0xABCDEFu);
  proto::AuthCheck check = proto::check_auth(rep.data(), *layout, keys.get());
  EXPECT_EQ(check.status, proto::AuthStatus::Ok);
  EXPECT_EQ(check.key_id, 1u);

  EXPECT_EQ(serve(bare).size(), codec::kHeaderSize) << "unsigned request, unsigned reply";
  EXPECT_TRUE(serve(signed_by_libsync(bare, 2)).empty()) << "another key: no reply";
  std::vector<uint8_t> bad = signed_req;
  bad.back() ^= 1;
  EXPECT_TRUE(serve(bad).empty()) << "a bad MAC: no reply";
  EXPECT_EQ(b.status(3 * kMs).auth_refused, 2u);
}

// A key file line, as the board parses it, hashes exactly as sntpd's key ring does with that line.
TEST(FwAuth, KeyLinesHashAsTheKeyRingReadsThem) {
  const char* const lines[] = {
      "1 SHA256 HEX:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
      "7 sha512 HEX:00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff"
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff  # 64 bytes",
      "  42\tSHA256 ASCII:correct-horse",
      "9 SHA256 shorttext",
      "4294967295 SHA256 00112233445566778899aabbccddeeff",  // bare hex over 20 digits: hex
      "3 SHA256 HEX:0a",
  };
  for (const char* line : lines) {
    SCOPED_TRACE(line);
    MacKey k;
    ASSERT_EQ(parse_key_line(line, std::strlen(line), &k), KeyLine::Ok);
    k.hash = &sodium_hash;
    auto r = os::KeyRing::parse(std::string(line) + "\n", "line");
    ASSERT_TRUE(r.ok());
    auto& keys = *r;
    ASSERT_EQ(keys->size(), 1u);
    const uint8_t data[] = {1, 2, 3, 4, 5};
    uint8_t mine[kMaxHashBytes] = {}, theirs[kMaxHashBytes] = {};
    ASSERT_TRUE(k.hash(nullptr, k, data, sizeof(data), mine));
    ASSERT_TRUE(keys->compute(k.id, data, sizeof(data), theirs, hash_size(k.type)));
    EXPECT_EQ(std::memcmp(mine, theirs, hash_size(k.type)), 0);
  }
}

TEST(FwAuth, KeyLinesItCannotUseLeaveTheKeyAlone) {
  struct Case {
    const char* line;
    KeyLine want;
  } cases[] = {
      {"", KeyLine::Empty},
      {"   # a comment", KeyLine::Empty},
      {"0 SHA256 HEX:00", KeyLine::BadId},
      {"4294967296 SHA256 HEX:00", KeyLine::BadId},
      {"x1 SHA256 HEX:00", KeyLine::BadId},
      {"1 MD5 HEX:00", KeyLine::BadType},
      {"1 AES128 HEX:000102030405060708090a0b0c0d0e0f", KeyLine::BadType},
      {"1 SHA256", KeyLine::BadKey},
      {"1 SHA256 HEX:", KeyLine::BadKey},
      {"1 SHA256 HEX:abc", KeyLine::BadKey},
      {"1 SHA256 HEX:zz", KeyLine::BadKey},
      {"1 SHA256 ab#cd", KeyLine::BadKey},
      {"1 SHA256 HEX:00 extra", KeyLine::BadKey},
      {"1 SHA256 ASCII:", KeyLine::BadKey},
      {"1 SHA512 HEX:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
       "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00",
       KeyLine::TooLong},
      {"1 SHA256 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00", KeyLine::TooLong},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    MacKey k;
    k.id = 5;
    k.size = 1;
    k.bytes[0] = 0x55;
    EXPECT_EQ(parse_key_line(c.line, std::strlen(c.line), &k), c.want);
    EXPECT_EQ(k.id, 5u);
    EXPECT_EQ(k.size, 1u);
    EXPECT_EQ(k.bytes[0], 0x55);
    EXPECT_STRNE(describe(c.want), "unknown");
  }
}

}  // namespace
}  // namespace lansync::fw
