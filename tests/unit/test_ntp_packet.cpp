// Unit tests of the NTP packet codec: header, extension fields, MAC location (codec/ntp_packet).
#include <gtest/gtest.h>

#include <vector>

#include "../support/hex.hpp"
#include "../support/seed.hpp"
#include "codec/ntp_packet.hpp"

namespace lansync::codec {
namespace {

using testing::golden_packet;

std::vector<uint8_t> header_bytes(uint8_t first_byte = 0x23) {
  std::vector<uint8_t> p(kHeaderSize, 0);
  p[0] = first_byte;
  return p;
}

void append_field(std::vector<uint8_t>& p, uint16_t type, size_t size) {
  std::vector<uint8_t> f(size, 0xAB);
  store_be16(f.data(), type);
  store_be16(f.data() + 2, static_cast<uint16_t>(size));
  p.insert(p.end(), f.begin(), f.end());
}

void append_zeros(std::vector<uint8_t>& p, size_t n) { p.insert(p.end(), n, 0); }

TEST(NtpPacket, EncodeDecodeRoundTrip) {
  NtpHeader h;
  h.leap = Leap::AddSecond;
  h.version = 4;
  h.mode = Mode::Server;
  h.stratum = 2;
  h.poll_log2 = 6;
  h.precision_log2 = -23;
  h.root_delay = {0x00012345};
  h.root_dispersion = {0x00000678};
  h.refid = 0xC0A80401;
  h.reference = {0xEEAC0000u, 1};
  h.origin = {0x01234567u, 0x89ABCDEFu};
  h.receive = {0xEEAC0001u, 0x80000000u};
  h.transmit = {0xEEAC0001u, 0x80001000u};
  uint8_t buf[kHeaderSize];
  ASSERT_EQ(encode(h, buf, sizeof(buf)), kHeaderSize);
  EXPECT_EQ(buf[0], 0x64);  // LI=1, VN=4, mode=4
  auto d = decode(buf, sizeof(buf));
  ASSERT_TRUE(d.ok());
  const NtpHeader& g = d->header;
  EXPECT_EQ(g.leap, h.leap);
  EXPECT_EQ(g.stratum, 2);
  EXPECT_EQ(g.poll_log2, 6);
  EXPECT_EQ(g.precision_log2, -23);
  EXPECT_EQ(g.root_delay, h.root_delay);
  EXPECT_EQ(g.root_dispersion, h.root_dispersion);
  EXPECT_EQ(g.refid, h.refid);
  EXPECT_EQ(g.reference, h.reference);
  EXPECT_EQ(g.origin, h.origin);
  EXPECT_EQ(g.receive, h.receive);
  EXPECT_EQ(g.transmit, h.transmit);
  EXPECT_EQ(d->mac_size, 0u);
  EXPECT_EQ(d->extension_count, 0u);
}

TEST(NtpPacket, EncodeRefusesSmallBuffer) {
  uint8_t buf[47];
  EXPECT_EQ(encode(NtpHeader{}, buf, sizeof(buf)), 0u);
}

TEST(NtpPacket, RejectsShortPackets) {
  auto p = header_bytes();
  EXPECT_EQ(decode(p.data(), 0).error(), DecodeError::TooShort);
  EXPECT_EQ(decode(p.data(), 47).error(), DecodeError::TooShort);
  EXPECT_TRUE(decode(p.data(), 48).ok());
}

TEST(NtpPacket, RejectsBadVersions) {
  for (int vn : {0, 5, 6, 7}) {
    auto p = header_bytes(static_cast<uint8_t>(vn << 3 | 3));
    EXPECT_EQ(decode(p.data(), p.size()).error(), DecodeError::BadVersion) << vn;
  }
  for (int vn : {1, 2, 3, 4}) {
    auto p = header_bytes(static_cast<uint8_t>(vn << 3 | 3));
    EXPECT_TRUE(decode(p.data(), p.size()).ok()) << vn;
  }
}

TEST(NtpPacket, RejectsReservedControlAndPrivateModes) {
  for (int mode : {0, 6, 7}) {
    auto p = header_bytes(static_cast<uint8_t>(4 << 3 | mode));
    EXPECT_EQ(decode(p.data(), p.size()).error(), DecodeError::BadMode) << mode;
  }
  // A 12-byte ntpq (mode 6) request is refused for its mode, not its length.
  auto ntpq = header_bytes(0x16);
  EXPECT_EQ(decode(ntpq.data(), 12).error(), DecodeError::BadMode);
}

TEST(NtpPacket, LocatesMacAfterHeader) {
  for (size_t mac : {size_t{20}, size_t{24}}) {
    auto p = header_bytes();
    append_zeros(p, mac);
    auto d = decode(p.data(), p.size());
    ASSERT_TRUE(d.ok()) << mac;
    EXPECT_EQ(d->mac_offset, kHeaderSize);
    EXPECT_EQ(d->mac_size, mac);
    EXPECT_EQ(d->extensions_size, 0u);
  }
}

TEST(NtpPacket, CryptoNakIsFourBytes) {
  auto p = header_bytes();
  append_zeros(p, 4);
  auto d = decode(p.data(), p.size());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->mac_size, 4u);
}

TEST(NtpPacket, RejectsTailsThatAreNeitherMacNorField) {
  for (size_t n : {size_t{1}, size_t{8}, size_t{12}, size_t{22}}) {
    auto p = header_bytes();
    append_zeros(p, n);
    EXPECT_FALSE(decode(p.data(), p.size()).ok()) << n;
  }
}

TEST(NtpPacket, ExtensionFieldThenMac) {
  auto p = header_bytes();
  append_field(p, 0x0104, 16);
  append_zeros(p, 24);
  auto d = decode(p.data(), p.size());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->extension_count, 1u);
  EXPECT_EQ(d->extensions_size, 16u);
  EXPECT_EQ(d->mac_offset, kHeaderSize + 16);
  EXPECT_EQ(d->mac_size, 24u);
  size_t off = d->extensions_offset;
  ExtensionField f;
  ASSERT_TRUE(next_extension(p.data(), *d, &off, &f));
  EXPECT_EQ(f.type, 0x0104);
  EXPECT_EQ(f.value_size, 12u);
  EXPECT_FALSE(next_extension(p.data(), *d, &off, &f));
}

TEST(NtpPacket, LastExtensionWithoutMacMustBe28Bytes) {
  auto p = header_bytes();
  append_field(p, 0x0104, 28);
  auto d = decode(p.data(), p.size());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->extension_count, 1u);
  EXPECT_EQ(d->mac_size, 0u);

  auto shorter = header_bytes();
  append_field(shorter, 0x0104, 16);
  append_field(shorter, 0x0104, 16);  // last field too short, no MAC
  EXPECT_EQ(decode(shorter.data(), shorter.size()).error(), DecodeError::MalformedExtension);
}

TEST(NtpPacket, TwoExtensionFields) {
  auto p = header_bytes();
  append_field(p, 0x0001, 16);
  append_field(p, 0x0002, 32);
  auto d = decode(p.data(), p.size());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->extension_count, 2u);
  EXPECT_EQ(d->extensions_size, 48u);
  size_t off = d->extensions_offset;
  ExtensionField f;
  ASSERT_TRUE(next_extension(p.data(), *d, &off, &f));
  EXPECT_EQ(f.type, 1);
  ASSERT_TRUE(next_extension(p.data(), *d, &off, &f));
  EXPECT_EQ(f.type, 2);
  EXPECT_EQ(f.value_size, 28u);
}

TEST(NtpPacket, RejectsMalformedExtensionLengths) {
  for (uint16_t len : {uint16_t{0}, uint16_t{12}, uint16_t{30}, uint16_t{200}}) {
    auto p = header_bytes();
    append_field(p, 0x0104, 32);
    store_be16(p.data() + kHeaderSize + 2, len);
    EXPECT_EQ(decode(p.data(), p.size()).error(), DecodeError::MalformedExtension) << len;
  }
}

TEST(NtpPacket, OldVersionsHaveOnlyAMac) {
  auto p = header_bytes(0x1B);  // NTPv3 client
  append_zeros(p, 20);
  auto d = decode(p.data(), p.size());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->mac_size, 20u);
  auto odd = header_bytes(0x1B);
  append_zeros(odd, 30);
  EXPECT_EQ(decode(odd.data(), odd.size()).error(), DecodeError::MalformedMac);
}

TEST(NtpPacket, EncodeExtensionPadsToTheRfc7822Minimum) {
  uint8_t value[5] = {1, 2, 3, 4, 5};
  uint8_t buf[64];
  EXPECT_EQ(encode_extension(0x0104, value, 5, false, buf, sizeof(buf)), 16u);
  EXPECT_EQ(encode_extension(0x0104, value, 5, true, buf, sizeof(buf)), 28u);
  EXPECT_EQ(load_be16(buf + 2), 28);
  EXPECT_EQ(buf[8], 5);
  EXPECT_EQ(buf[9], 0);
  EXPECT_EQ(encode_extension(0x0104, value, 5, true, buf, 20), 0u);
  // What encode_extension writes, decode accepts.
  auto p = header_bytes();
  size_t n = encode_extension(0x0104, value, 5, true, buf, sizeof(buf));
  p.insert(p.end(), buf, buf + n);
  EXPECT_TRUE(decode(p.data(), p.size()).ok());
}

TEST(NtpPacket, RefidText) {
  char text[5];
  refid_to_ascii(refid_from_ascii("RATE"), text);
  EXPECT_STREQ(text, "RATE");
  refid_to_ascii(refid_from_ascii("GPS"), text);
  EXPECT_STREQ(text, "GPS");
  refid_to_ascii(0x7F000001, text);
  EXPECT_STREQ(text, "?  ?");  // 0x7F, 0, 0, 1: not text
}

TEST(NtpPacket, GoldenChronyReply) {
  auto reply = golden_packet("chrony-4.3-server-reply.hex", 1);
  auto d = decode(reply.data(), reply.size());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->header.mode, Mode::Server);
  EXPECT_EQ(d->header.version, 4);
  EXPECT_EQ(d->header.leap, Leap::None);
  EXPECT_EQ(d->header.stratum, 10);
  EXPECT_EQ(d->header.refid, 0x7F7F0101u);  // chrony's local reference, 127.127.1.1
  EXPECT_EQ(d->header.origin, (NtpTimestamp{0x01234567u, 0x89ABCDEFu}));
  EXPECT_LE(d->header.receive.raw(), d->header.transmit.raw());
}

TEST(NtpPacket, GoldenNtpsecOrphanReply) {
  auto reply = golden_packet("ntpsec-1.2.2-orphan-reply.hex", 1);
  auto d = decode(reply.data(), reply.size());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->header.stratum, 10);
  EXPECT_EQ(d->header.refid, 0x7F000001u);
  EXPECT_TRUE(d->header.reference.is_zero());  // orphan mode sends no reference time
  EXPECT_EQ(d->header.origin, (NtpTimestamp{0x01234567u, 0x89ABCDEFu}));
}

TEST(NtpPacket, GoldenClientRequests) {
  auto chrony = golden_packet("chrony-4.3-client-request.hex", 0);
  auto d = decode(chrony.data(), chrony.size());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->header.mode, Mode::Client);
  EXPECT_FALSE(d->header.transmit.is_zero());  // random cookie
  EXPECT_TRUE(d->header.receive.is_zero());
  auto ntpdig = golden_packet("ntpdig-1.2.2-request.hex", 0);
  auto e = decode(ntpdig.data(), ntpdig.size());
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->header.leap, Leap::Unsynchronized);  // ntpdig says it is unsynchronized
  EXPECT_EQ(e->header.mode, Mode::Client);
}

TEST(NtpPacket, RandomBytesNeverCrashAndLayoutStaysInBounds) {
  auto rng = testing::seeded_rng();
  std::vector<uint8_t> buf(200);
  for (int i = 0; i < 50'000; ++i) {
    auto len = static_cast<size_t>(rng() % buf.size());
    for (auto& b : buf) b = static_cast<uint8_t>(rng());
    buf[0] = static_cast<uint8_t>((buf[0] & 0xC0) | (4 << 3) | 3);  // mostly valid first byte
    auto d = decode(buf.data(), len);
    if (!d) continue;
    ASSERT_LE(d->extensions_offset + d->extensions_size, len);
    if (d->mac_size > 0) {
      ASSERT_EQ(d->mac_offset + d->mac_size, len);
    }
  }
}

}  // namespace
}  // namespace lansync::codec
