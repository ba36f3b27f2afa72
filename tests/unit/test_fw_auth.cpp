// Tests of the board's NTP key (firmware/board/auth): its requests are signed byte for byte as
// libsync's proto/auth signs them, and replies, broadcasts and requests it must not trust are refused.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "codec/mac.hpp"
#include "codec/ntp_packet.hpp"
#include "codec/timestamp.hpp"
#include "core/server.hpp"
#include "firmware/board/auth.hpp"
#include "firmware/board/board.hpp"
#include "firmware/board/ntp_client.hpp"
#include "os/crypto_keys.hpp"
#include "proto/auth.hpp"
#include "proto/keys.hpp"
#include "proto/reply_rules.hpp"

namespace lansync::fw {
namespace {

using proto::ReplyStatus;

constexpr int64_t kT = int64_t{1'795'000'000} * 1'000'000'000;
constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;

// The keys of tests/golden/chrony-4.3-auth.hex, as sntpd and chrony read them.
const char* const kKeys =
    "1 SHA256 HEX:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
    "2 SHA512 HEX:202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n"
    "3 SHA1 HEX:404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f\n"
    "4 AES128 HEX:606162636465666768696a6b6c6d6e6f\n";

std::unique_ptr<os::KeyRing> ring() {
  auto r = os::KeyRing::parse(kKeys, "test keys");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return std::move(*r);
}

// The port's MAC as an ESP port computes it, over the key bytes the board
// holds: libsodium's one-shot SHA-2 and OpenSSL's one-shot SHA-1 and CMAC here.
bool port_hash(void*, const MacKey& key, const uint8_t* data, size_t size, uint8_t* out) {
  std::vector<uint8_t> both(key.bytes, key.bytes + key.size);
  both.insert(both.end(), data, data + size);
  size_t n = 0;
  switch (key.type) {
    case proto::KeyType::Sha256: return crypto_hash_sha256(out, both.data(), both.size()) == 0;
    case proto::KeyType::Sha512: return crypto_hash_sha512(out, both.data(), both.size()) == 0;
    case proto::KeyType::Sha1:
      return EVP_Q_digest(nullptr, "SHA1", nullptr, both.data(), both.size(), out, nullptr) == 1;
    case proto::KeyType::Aes128:
      return EVP_Q_mac(nullptr, "CMAC", nullptr, "AES-128-CBC", nullptr, key.bytes, key.size, data, size, out,
                       16, &n) != nullptr;
  }
  return false;
}

// Key id (1..4) of kKeys, held in the board's buffer.
MacKey board_key(uint32_t id) {
  static const proto::KeyType kTypes[] = {proto::KeyType::Sha256, proto::KeyType::Sha512,
                                          proto::KeyType::Sha1, proto::KeyType::Aes128};
  MacKey k;
  k.id = id;
  k.type = kTypes[id - 1];
  k.size = id == 4 ? 16 : 32;
  for (size_t i = 0; i < k.size; ++i) k.bytes[i] = static_cast<uint8_t>(0x20 * (id - 1) + i);
  k.hash = &port_hash;
  return k;
}

std::vector<uint8_t> request(NtpClient& c, const proto::MacKeys* keys, uint32_t key_id,
                             int64_t local_ns = 5 * kS) {
  std::vector<uint8_t> buf(codec::kHeaderSize + codec::kMaxV4MacSize);
  buf.resize(c.make_request(local_ns, 0x1122334455667788, buf.data(), buf.size(), keys, key_id));
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
  for (uint32_t id : {1u, 2u, 3u, 4u}) {
    MacKey key = board_key(id);
    NtpClient c(ClientConfig{});
    c.start(5 * kS);
    std::vector<uint8_t> ours = request(c, &key, key.id);
    // NTPv4: key ID + 20 bytes of digest, SHA-256, SHA-512 and SHA-1 alike (chrony, ntpsec); AES-CMAC's 16.
    ASSERT_EQ(ours.size(), codec::kHeaderSize + (id == 4 ? 20 : 24)) << "key " << id;
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
  EXPECT_EQ(request(c, nullptr, 0).size(), codec::kHeaderSize);
  MacKey none;  // id 0
  EXPECT_EQ(request(c, &none, none.id, 5 * kS + 250 * kMs).size(), codec::kHeaderSize);
}

TEST(FwAuth, UsesOnlyRepliesSignedWithItsKey) {
  MacKey key = board_key(1);
  NtpClient c(ClientConfig{});
  c.start(5 * kS);
  std::vector<uint8_t> req = request(c, &key, key.id);
  std::vector<uint8_t> bare = reply_to(req);
  auto on = [&](const std::vector<uint8_t>& p) { return c.on_reply(p.data(), p.size(), 5 * kS + kMs, kT); };

  EXPECT_EQ(on(bare), ReplyStatus::Unauthenticated) << "unsigned";
  EXPECT_EQ(on(signed_by_libsync(bare, 2)), ReplyStatus::BadMac) << "another key";
  std::vector<uint8_t> bad = signed_by_libsync(bare, 1);
  bad.back() ^= 1;
  EXPECT_EQ(on(bad), ReplyStatus::BadMac) << "a bad MAC";
  std::vector<uint8_t> nak = bare;
  nak.resize(nak.size() + 4, 0);
  EXPECT_EQ(on(nak), ReplyStatus::Unauthenticated) << "a crypto-NAK";
  std::vector<uint8_t> short_mac = signed_by_libsync(bare, 1);
  short_mac.resize(short_mac.size() - 4);  // 16 bytes of digest: decodable, but not chrony's length
  EXPECT_EQ(on(short_mac), ReplyStatus::BadMac) << "a digest of the wrong length";
  // None of them used up the request: the genuine reply still counts, once.
  std::vector<uint8_t> good = signed_by_libsync(bare, 1);
  EXPECT_EQ(on(good), ReplyStatus::Ok);
  EXPECT_EQ(on(good), ReplyStatus::NotOurs);
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
    return read_broadcast(p.data(), p.size(), 42 * kS, kT, 3 * kMs, &b, &key, key.id);
  };
  EXPECT_EQ(on(bare), ReplyStatus::Unauthenticated);
  EXPECT_EQ(on(signed_by_libsync(bare, 1)), ReplyStatus::BadMac);
  EXPECT_EQ(on(signed_by_libsync(bare, 2)), ReplyStatus::Ok);
  EXPECT_EQ(read_broadcast(bare.data(), bare.size(), 42 * kS, kT, 3 * kMs, &b), ReplyStatus::Ok)
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
  EXPECT_EQ(static_cast<proto::AuthStatus>(e.code), proto::AuthStatus::Unsigned);
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

// The board's server mode and sntpd's (core::Server) apply one set of rules
// (proto/reply_rules.hpp): fed the same requests, they answer the same ones, in
// the same mode, signed the same way, and drop the same ones.
TEST(FwAuth, ServerModeAnswersAndDropsAsSntpdDoes) {
  uint64_t seed = 7;
  BoardConfig c = keyed_config(&seed);
  c.serve = true;
  Board b(c);
  b.start(0);
  auto keys = ring();
  // sntpd holding the board's one key.
  auto one_key = std::move(*os::KeyRing::parse(std::string(kKeys, std::strchr(kKeys, '\n') + 1), "key 1"));
  core::ServerPolicy policy;
  policy.keys = one_key.get();
  core::Server sntpd(policy, 64, 1);
  sntpd.set_reference(proto::local_reference(10, -20, kT, kT));
  int64_t t3 = kT + 5000;
  proto::TransmitClock clock{[](void* t) { return *static_cast<int64_t*>(t); }, &t3};
  core::IpAddress lan;
  lan.family = 4;
  lan.bytes[0] = 192;
  lan.bytes[1] = 168;
  lan.bytes[3] = 9;

  struct Case {
    const char* what;
    std::vector<uint8_t> request;
    bool answered;
  };
  codec::NtpHeader q;
  q.version = 4;
  q.transmit = codec::NtpTimestamp::from_raw(0xABCDEF);
  auto packet = [&](codec::Mode mode, size_t extra = 0) {
    q.mode = mode;
    std::vector<uint8_t> p(codec::kHeaderSize + extra);
    codec::encode(q, p.data(), p.size());
    return p;
  };
  std::vector<uint8_t> bad = signed_by_libsync(packet(codec::Mode::Client), 1);
  bad.back() ^= 1;
  const Case cases[] = {
      {"client", packet(codec::Mode::Client), true},
      {"symmetric active", packet(codec::Mode::SymmetricActive), true},
      {"signed client", signed_by_libsync(packet(codec::Mode::Client), 1), true},
      {"signed symmetric active", signed_by_libsync(packet(codec::Mode::SymmetricActive), 1), true},
      {"crypto-NAK", packet(codec::Mode::Client, 4), false},
      {"another key", signed_by_libsync(packet(codec::Mode::Client), 2), false},
      {"bad MAC", bad, false},
      {"server mode", packet(codec::Mode::Server), false},
      {"broadcast", packet(codec::Mode::Broadcast), false},
  };
  uint32_t refused = 0;
  for (const Case& k : cases) {
    uint8_t board_out[codec::kHeaderSize + codec::kMaxV3MacSize];
    size_t n = b.serve_ntp(k.request.data(), k.request.size(), kMs, board_out, sizeof(board_out));
    if (n > 0) n = b.stamp_transmit(board_out, n, 2 * kMs);
    uint8_t sntpd_out[codec::kHeaderSize + codec::kMaxV3MacSize];
    core::ServerAction a =
        sntpd.handle(k.request.data(), k.request.size(), lan, kT, kT, 1, clock, sntpd_out, sizeof(sntpd_out));
    EXPECT_EQ(n > 0, k.answered) << "board: " << k.what;
    EXPECT_EQ(a.respond, k.answered) << "sntpd: " << k.what;
    if (!k.answered) {
      refused += a.reason == proto::DropReason::BadMac || a.reason == proto::DropReason::UnknownKey;
      continue;
    }
    ASSERT_EQ(n, a.size) << k.what;
    auto mine = codec::decode(board_out, n);
    auto theirs = codec::decode(sntpd_out, a.size);
    ASSERT_TRUE(mine.ok() && theirs.ok()) << k.what;
    EXPECT_EQ(mine->header.mode, theirs->header.mode) << k.what;
    EXPECT_EQ(mine->header.mode,
              proto::reply_mode(codec::decode(k.request.data(), k.request.size())->header.mode));
    EXPECT_EQ(mine->header.origin, theirs->header.origin) << k.what;
    proto::AuthCheck board_mac = proto::check_auth(board_out, *mine, keys.get());
    EXPECT_EQ(board_mac.status, proto::check_auth(sntpd_out, *theirs, keys.get()).status) << k.what;
  }
  EXPECT_EQ(refused, 3u);
  EXPECT_EQ(b.status(3 * kMs).auth_refused, refused) << "the crypto-NAK counted too";
}

TEST(FwAuth, ABoardWithoutAKeyRefusesSignedRequestsAsSntpdWithoutKeysDoes) {
  uint64_t seed = 7;
  BoardConfig c = keyed_config(&seed);
  c.key = MacKey();
  c.serve = true;
  Board b(c);
  b.start(0);
  codec::NtpHeader q;
  q.mode = codec::Mode::Client;
  std::vector<uint8_t> bare(codec::kHeaderSize);
  codec::encode(q, bare.data(), bare.size());
  std::vector<uint8_t> req = signed_by_libsync(bare, 1);
  uint8_t out[codec::kHeaderSize + codec::kMaxV3MacSize];
  EXPECT_EQ(b.serve_ntp(req.data(), req.size(), kMs, out, sizeof(out)), 0u);
  EXPECT_EQ(b.status(3 * kMs).auth_refused, 1u);
  EXPECT_EQ(b.serve_ntp(bare.data(), bare.size(), kMs, out, sizeof(out)), codec::kHeaderSize);
}

// A key file line, as the board reads it (proto::parse_key_line), MACs with the port's hash
// exactly as sntpd's key ring does with that line, for every type the board takes.
TEST(FwAuth, KeyLinesHashAsTheKeyRingReadsThem) {
  const char* const lines[] = {
      "1 SHA256 HEX:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
      ("7 sha512 HEX:00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff"
       "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff  # 64 bytes"),
      "  42\tSHA256 ASCII:correct-horse",
      "9 SHA256 shorttext",
      "4294967295 SHA256 00112233445566778899aabbccddeeff",  // bare hex over 20 digits: hex
      "3 SHA256 HEX:0a",
      "5 SHA1 HEX:75388CD24C9B15666342921464F226FC7D179A98",
      "6 sha-1 short-text",
      "8 AES128 HEX:FF23850986E6888BEDAFA3731076C51B",
      "10 AES ff23850986e6888bedafa3731076c51b",  // ntpsec's spelling, bare hex
      "11 aes128cmac 0123456789abcdef",           // 16 characters of text
  };
  for (const char* line : lines) {
    SCOPED_TRACE(line);
    MacKey k;
    ASSERT_EQ(proto::parse_key_line(line, std::strlen(line), &k).status, proto::KeyLineStatus::Ok);
    k.hash = &port_hash;
    auto r = os::KeyRing::parse(std::string(line) + "\n", "line");
    ASSERT_TRUE(r.ok());
    auto& keys = *r;
    ASSERT_EQ(keys->size(), 1u);
    ASSERT_EQ(k.mac_size(k.id), keys->mac_size(k.id));
    const uint8_t data[] = {1, 2, 3, 4, 5};
    uint8_t mine[proto::kMaxMacSize] = {}, theirs[proto::kMaxMacSize] = {};
    ASSERT_TRUE(k.compute(k.id, data, sizeof(data), mine, k.mac_size(k.id)));
    ASSERT_TRUE(keys->compute(k.id, data, sizeof(data), theirs, k.mac_size(k.id)));
    EXPECT_EQ(std::memcmp(mine, theirs, sizeof(mine)), 0);
  }
}

TEST(FwAuth, AKeyWithoutAHashOrAnotherIdComputesNothing) {
  MacKey k = board_key(1);
  uint8_t out[proto::kMaxMacSize];
  const uint8_t data[] = {1};
  EXPECT_EQ(k.mac_size(2), 0u);
  EXPECT_FALSE(k.compute(2, data, sizeof(data), out, 20));
  EXPECT_FALSE(k.compute(1, data, sizeof(data), out, 33)) << "more than SHA-256 gives";
  k.hash = nullptr;
  EXPECT_FALSE(k.enabled());
  EXPECT_EQ(k.mac_size(1), 0u);
}

}  // namespace
}  // namespace lansync::fw
