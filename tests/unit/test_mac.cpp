// Unit tests of the MAC trailer codec (codec/mac): reading, the size rule, appending.
#include <gtest/gtest.h>

#include <vector>

#include "../support/hex.hpp"
#include "codec/mac.hpp"
#include "codec/ntp_packet.hpp"

namespace lansync::codec {
namespace {

std::vector<uint8_t> request(uint8_t version, size_t trailer) {
  std::vector<uint8_t> p(kHeaderSize + trailer, 0);
  p[0] = static_cast<uint8_t>(version << 3 | 3);
  return p;
}

MacTrailer read(const std::vector<uint8_t>& p) {
  auto layout = decode(p.data(), p.size());
  EXPECT_TRUE(layout.ok());
  return read_mac(p.data(), *layout);
}

TEST(MacTrailer, NoTrailerMeansUnsigned) {
  MacTrailer t = read(request(4, 0));
  EXPECT_EQ(t.kind, MacKind::None);
  EXPECT_EQ(t.signed_size, kHeaderSize);
}

TEST(MacTrailer, BareKeyIdZeroIsACryptoNak) {
  MacTrailer t = read(request(4, 4));
  EXPECT_EQ(t.kind, MacKind::CryptoNak);
}

TEST(MacTrailer, BareNonZeroKeyIdIsMalformed) {
  auto p = request(4, 4);
  p[kHeaderSize + 3] = 7;
  EXPECT_EQ(read(p).kind, MacKind::Malformed);
}

TEST(MacTrailer, ReadsKeyIdAndDigestOfAnNtpv4Mac) {
  auto p = request(4, 24);
  store_be32(p.data() + kHeaderSize, 0x01020304);
  p[kHeaderSize + 4] = 0xAA;
  p.back() = 0xBB;
  MacTrailer t = read(p);
  ASSERT_EQ(t.kind, MacKind::Mac);
  EXPECT_EQ(t.key_id, 0x01020304u);
  EXPECT_EQ(t.signed_size, kHeaderSize);
  EXPECT_EQ(t.digest_size, 20u);
  EXPECT_EQ(t.digest, p.data() + kHeaderSize + 4);
  EXPECT_EQ(t.digest[0], 0xAA);
  EXPECT_EQ(t.digest[19], 0xBB);
}

TEST(MacTrailer, Ntpv3CarriesAWholeSha512Digest) {
  auto p = request(3, 68);
  p[kHeaderSize + 3] = 2;
  MacTrailer t = read(p);
  ASSERT_EQ(t.kind, MacKind::Mac);
  EXPECT_EQ(t.key_id, 2u);
  EXPECT_EQ(t.digest_size, 64u);
}

TEST(MacTrailer, TheDigestCoversExtensionFields) {
  std::vector<uint8_t> p(kHeaderSize, 0);
  p[0] = 4 << 3 | 3;
  uint8_t field[32];
  size_t n = encode_extension(0x0104, nullptr, 0, /*last_without_mac=*/false, field, sizeof(field));
  ASSERT_EQ(n, kMinExtensionSize);
  p.insert(p.end(), field, field + n);
  p.resize(p.size() + 24, 0);
  p[kHeaderSize + n + 3] = 1;
  MacTrailer t = read(p);
  ASSERT_EQ(t.kind, MacKind::Mac);
  EXPECT_EQ(t.signed_size, kHeaderSize + n);
  EXPECT_EQ(t.key_id, 1u);
}

TEST(MacTrailer, DigestsAreCutTo20BytesInNtpv4Only) {
  EXPECT_EQ(mac_digest_size(4, 32), 20u);
  EXPECT_EQ(mac_digest_size(4, 64), 20u);
  EXPECT_EQ(mac_digest_size(4, 16), 16u);
  EXPECT_EQ(mac_digest_size(3, 32), 32u);
  EXPECT_EQ(mac_digest_size(3, 64), 64u);
  EXPECT_EQ(mac_digest_size(1, 64), 64u);
}

TEST(MacTrailer, AppendedTrailerReadsBack) {
  uint8_t packet[kHeaderSize + kMaxV4MacSize] = {4 << 3 | 4};
  uint8_t digest[20];
  for (size_t i = 0; i < sizeof(digest); ++i) digest[i] = static_cast<uint8_t>(i + 1);
  size_t size = append_mac(packet, kHeaderSize, sizeof(packet), 65535, digest, sizeof(digest));
  ASSERT_EQ(size, kHeaderSize + 24);
  auto layout = decode(packet, size);
  ASSERT_TRUE(layout.ok());
  MacTrailer t = read_mac(packet, *layout);
  ASSERT_EQ(t.kind, MacKind::Mac);
  EXPECT_EQ(t.key_id, 65535u);
  ASSERT_EQ(t.digest_size, 20u);
  for (size_t i = 0; i < 20; ++i) EXPECT_EQ(t.digest[i], digest[i]);
}

TEST(MacTrailer, AppendRefusesWhatDoesNotFit) {
  uint8_t packet[kHeaderSize + 23] = {};
  uint8_t digest[kMaxDigestSize + 1] = {};
  EXPECT_EQ(append_mac(packet, kHeaderSize, sizeof(packet), 1, digest, 20), 0u);
  EXPECT_EQ(append_mac(packet, kHeaderSize, sizeof(packet), 1, digest, 19), kHeaderSize + 23);
  EXPECT_EQ(append_mac(packet, kHeaderSize, kHeaderSize - 1, 1, digest, 0), 0u);
  uint8_t big[200] = {};
  EXPECT_EQ(append_mac(big, kHeaderSize, sizeof(big), 1, digest, kMaxDigestSize + 1), 0u);
}

TEST(MacTrailer, ReadsChronysSignedPackets) {
  // tests/golden/README.md: v4 key 1, v4 key 2, v3 key 1 (request, reply), then chronyd -Q's v3 requests.
  struct Want {
    uint32_t key_id;
    size_t digest_size;
  };
  const Want want[] = {{1, 20}, {1, 20}, {2, 20}, {2, 20}, {1, 32}, {1, 32}, {1, 32}, {2, 64}};
  for (int line = 0; line < 8; ++line) {
    auto p = lansync::testing::golden_packet("chrony-4.3-auth.hex", line);
    MacTrailer t = read(p);
    ASSERT_EQ(t.kind, MacKind::Mac) << "line " << line + 1;
    EXPECT_EQ(t.key_id, want[line].key_id) << "line " << line + 1;
    EXPECT_EQ(t.digest_size, want[line].digest_size) << "line " << line + 1;
    EXPECT_EQ(t.signed_size, kHeaderSize);
  }
}

}  // namespace
}  // namespace lansync::codec
