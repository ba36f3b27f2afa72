// Unit tests of the NTS-KE records (codec/nts_ke): the request, the response's parse and every refusal.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "../support/seed.hpp"
#include "codec/bytes.hpp"
#include "codec/nts_ke.hpp"
#include "os/net_nts_ke.hpp"

namespace lansync::codec {
namespace {

using Bytes = std::vector<uint8_t>;

void record(Bytes& m, uint16_t type, const Bytes& body, bool critical = true) {
  uint8_t head[4];
  store_be16(head, static_cast<uint16_t>(type | (critical ? kNtsKeCritical : 0)));
  store_be16(head + 2, static_cast<uint16_t>(body.size()));
  m.insert(m.end(), head, head + 4);
  m.insert(m.end(), body.begin(), body.end());
}

Bytes u16(uint16_t v) { return {static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)}; }
Bytes cookie(uint8_t fill, size_t size = 100) { return Bytes(size, fill); }

// A response as chrony's server sends it: protocol, AEAD, eight 100-byte cookies, End.
Bytes chrony_like(size_t cookies = 8) {
  Bytes m;
  record(m, 1, u16(0));
  record(m, 4, u16(15));
  for (size_t i = 0; i < cookies; ++i) record(m, 5, cookie(static_cast<uint8_t>(i)), false);
  record(m, 0, {});
  return m;
}

NtsKeError refusal(const Bytes& m) {
  auto r = parse_nts_ke_response(m.data(), m.size());
  EXPECT_FALSE(r.ok());
  return r.error().error;
}

TEST(NtsKe, RequestAsksForNtpV4AndAesSivInOneMessage) {
  uint8_t out[kNtsKeRequestSize];
  ASSERT_EQ(write_nts_ke_request(out, sizeof(out)), kNtsKeRequestSize);
  const Bytes want = {0x80, 0x01, 0x00, 0x02, 0x00, 0x00, 0x80, 0x04,
                      0x00, 0x02, 0x00, 0x0F, 0x80, 0x00, 0x00, 0x00};
  EXPECT_EQ(Bytes(out, out + sizeof(out)), want);
  EXPECT_EQ(write_nts_ke_request(out, sizeof(out) - 1), 0u);
  EXPECT_EQ(nts_ke_message_size(out, sizeof(out)), kNtsKeRequestSize);
}

TEST(NtsKe, ChronyLikeResponseParses) {
  Bytes m = chrony_like();
  auto r = parse_nts_ke_response(m.data(), m.size());
  ASSERT_TRUE(r.ok()) << describe(r.error().error);
  EXPECT_EQ(r->protocol, kNtsProtocolNtpV4);
  EXPECT_EQ(r->aead, kAeadAesSivCmac256);
  ASSERT_EQ(r->cookie_count, 8u);
  EXPECT_EQ(r->cookies[7].size, 100u);
  EXPECT_EQ(r->cookies[7].bytes[0], 7);
  EXPECT_EQ(r->server[0], '\0');
  EXPECT_EQ(r->port, 0);
  EXPECT_EQ(nts_ke_message_size(m.data(), m.size()), m.size());
  EXPECT_EQ(nts_ke_message_size(m.data(), m.size() - 1), 0u);
}

TEST(NtsKe, ServerPortWarningAndUnknownNonCriticalRecords) {
  Bytes m;
  record(m, 1, u16(0));
  record(m, 4, u16(15));
  record(m, 6, {'n', 't', 's', '.', 'l', 'a', 'n'});
  record(m, 7, u16(11123));
  record(m, 3, u16(7), true);
  record(m, 0x4000, {1, 2, 3}, false);                               // unknown, not critical: ignored
  for (int i = 0; i < 10; ++i) record(m, 5, cookie(1, 104), false);  // more than 8: the rest dropped
  record(m, 0, {});
  auto r = parse_nts_ke_response(m.data(), m.size());
  ASSERT_TRUE(r.ok()) << describe(r.error().error);
  EXPECT_STREQ(r->server, "nts.lan");
  EXPECT_EQ(r->port, 11123);
  EXPECT_TRUE(r->warned);
  EXPECT_EQ(r->warning_code, 7);
  EXPECT_EQ(r->cookie_count, kNtsMaxCookies);
}

// One malformed response per reason.
TEST(NtsKe, EveryMalformedResponseIsRefusedWithItsReason) {
  Bytes m = chrony_like();
  EXPECT_EQ(refusal(Bytes(m.begin(), m.end() - 4)), NtsKeError::MissingEnd);
  EXPECT_EQ(refusal(Bytes(m.begin(), m.end() - 2)), NtsKeError::Truncated);
  Bytes tail = m;
  tail.push_back(0);
  EXPECT_EQ(refusal(tail), NtsKeError::TrailingBytes);
  EXPECT_EQ(refusal(Bytes(kNtsKeMaxResponseSize + 1, 0)), NtsKeError::TooLong);

  Bytes past;  // a length past the buffer
  record(past, 1, u16(0));
  past.insert(past.end(), {0x00, 0x05, 0xFF, 0xFF, 1, 2});
  EXPECT_EQ(refusal(past), NtsKeError::Truncated);

  auto with = [](auto add) {
    Bytes b;
    add(b);
    record(b, 0, {});
    return b;
  };
  EXPECT_EQ(refusal(with([](Bytes& b) { record(b, 0x1234, {}); })), NtsKeError::UnknownCritical);
  Bytes error;
  record(error, 2, u16(1));
  record(error, 0, {});
  auto e = parse_nts_ke_response(error.data(), error.size());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().error, NtsKeError::ServerError);
  EXPECT_EQ(e.error().code, 1);
  EXPECT_EQ(refusal(with([](Bytes& b) { record(b, 4, u16(15)), record(b, 5, cookie(1)); })),
            NtsKeError::NoProtocol);
  EXPECT_EQ(refusal(with([](Bytes& b) { record(b, 1, u16(0)), record(b, 5, cookie(1)); })),
            NtsKeError::NoAead);
  EXPECT_EQ(refusal(with([](Bytes& b) { record(b, 1, u16(0)), record(b, 4, u16(15)); })),
            NtsKeError::NoCookie);
  EXPECT_EQ(refusal(with([](Bytes& b) { record(b, 1, u16(0)), record(b, 4, u16(30)); })),
            NtsKeError::BadAead);
  EXPECT_EQ(refusal(with([](Bytes& b) { record(b, 1, {0, 0, 0, 1}); })), NtsKeError::BadProtocol);
  EXPECT_EQ(refusal(with([](Bytes& b) { record(b, 1, u16(0x8001)); })), NtsKeError::BadProtocol);
  EXPECT_EQ(refusal(with([](Bytes& b) { record(b, 1, u16(0)), record(b, 1, u16(0)); })),
            NtsKeError::DuplicateRecord);
  EXPECT_EQ(refusal(with([](Bytes& b) { record(b, 5, {}); })), NtsKeError::BadCookie);
  EXPECT_EQ(refusal(with([](Bytes& b) { record(b, 5, cookie(1, kNtsMaxCookieSize + 1)); })),
            NtsKeError::BadCookie);
  EXPECT_EQ(refusal(with([](Bytes& b) { record(b, 6, {'a', '\n', 'b'}); })), NtsKeError::BadServer);
  EXPECT_EQ(refusal(with([](Bytes& b) { record(b, 6, {}); })), NtsKeError::BadServer);
  EXPECT_EQ(refusal(with([](Bytes& b) { record(b, 7, {1}); })), NtsKeError::BadRecordLength);
  EXPECT_EQ(refusal(with([](Bytes& b) { record(b, 3, {1}); })), NtsKeError::BadRecordLength);
  Bytes end_with_body;
  record(end_with_body, 0, {0, 0});
  EXPECT_EQ(refusal(end_with_body), NtsKeError::BadRecordLength);
  EXPECT_EQ(refusal({}), NtsKeError::MissingEnd);
}

// Random bytes and random mutations of a good response: refused or parsed, never a read outside.
TEST(NtsKe, RandomInputNeverBreaksTheParser) {
  auto rng = lansync::testing::seeded_rng();
  Bytes good = chrony_like(3);
  for (int i = 0; i < 20000; ++i) {
    Bytes m = good;
    for (int k = 0, n = static_cast<int>(rng() % 4) + 1; k < n; ++k)
      m[static_cast<size_t>(rng() % m.size())] = static_cast<uint8_t>(rng());
    m.resize(static_cast<size_t>(rng() % (m.size() + 1)));
    auto r = parse_nts_ke_response(m.data(), m.size());
    if (r.ok()) {
      EXPECT_GE(r->cookie_count, 1u);
      EXPECT_LE(r->cookie_count, kNtsMaxCookies);
    }
    EXPECT_LE(nts_ke_message_size(m.data(), m.size()), m.size());
  }
}

TEST(NtsKe, ExporterContextsAreProtocolAeadDirection) {
  auto c2s = os::nts_exporter_context(kNtsProtocolNtpV4, kAeadAesSivCmac256, false);
  auto s2c = os::nts_exporter_context(kNtsProtocolNtpV4, kAeadAesSivCmac256, true);
  EXPECT_EQ(Bytes(c2s.begin(), c2s.end()), (Bytes{0x00, 0x00, 0x00, 0x0F, 0x00}));
  EXPECT_EQ(Bytes(s2c.begin(), s2c.end()), (Bytes{0x00, 0x00, 0x00, 0x0F, 0x01}));
  EXPECT_STREQ(os::kNtsExporterLabel, "EXPORTER-network-time-security");
}

}  // namespace
}  // namespace lansync::codec
