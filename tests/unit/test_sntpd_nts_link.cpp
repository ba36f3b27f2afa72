// Unit tests of one NTS upstream address in sntpd (tools/sntpd/upstream/upstream_nts): a key
// exchange's answer taken, requests sealed only with keys, and a kiss NTSN that echoes our
// identifier making a new exchange due at once, with the certificate's dates judged by the rule.
#include <gtest/gtest.h>

#include <vector>

#include "../support/nts_server.hpp"
#include "codec/ntp_packet.hpp"
#include "upstream/upstream_nts.hpp"

namespace lansync::sntpd {
namespace {

using lansync::testing::make_cookie;
using lansync::testing::make_keys;
using lansync::testing::Pair;
using lansync::testing::server_reply;

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kUnixNow = 1'790'000'000 * kS;

// A successful exchange's answer with make_keys(1)'s keys and eight cookies.
os::nts::KeAnswer good_answer() {
  os::nts::KeAnswer a;
  a.ok = true;
  a.c2s.fill(1);
  a.s2c.fill(2);
  for (uint8_t i = 0; i < 8; ++i) a.cookies.push_back(make_cookie(i));
  a.ntp_address = "192.0.2.9";
  a.ntp_port = 11123;
  return a;
}

NtsLink keyed_link(int64_t now_mono_ns) {
  NtsLink link(*os::resolve_numeric(os::HostPort{"192.0.2.9", 4460}).value().begin(), "ntp.test");
  auto q = link.due(now_mono_ns, false, kUnixNow);
  EXPECT_TRUE(q.has_value());
  link.asked(1, q->check_dates);
  auto ntp = link.take(good_answer(), now_mono_ns, kUnixNow);
  EXPECT_TRUE(ntp.has_value());
  return link;
}

std::vector<uint8_t> sealed(NtsLink& link, uint32_t tx, int64_t now_mono_ns) {
  std::vector<uint8_t> buf(proto::kMaxNtsRequestSize);
  codec::NtpHeader h;
  h.transmit = {tx, 0};
  size_t n = link.seal(buf.data(), codec::encode(h, buf.data(), buf.size()), buf.size(), now_mono_ns);
  buf.resize(n);
  return buf;
}

// The request's unique identifier (its first extension field's value).
const uint8_t* id_of(const std::vector<uint8_t>& request) { return request.data() + codec::kHeaderSize + 4; }

TEST(SntpdNtsLink, TheFirstExchangeSkipsTheDatesOfAnUntrustedClockAndTheAnswerNamesTheServer) {
  NtsLink link(*os::resolve_numeric(os::HostPort{"192.0.2.9", 4460}).value().begin(), "ntp.test");
  EXPECT_FALSE(link.ready());
  auto q = link.due(0, false, kUnixNow);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->address, "192.0.2.9");
  EXPECT_EQ(q->port, 4460);
  EXPECT_EQ(q->name, "ntp.test");
  EXPECT_FALSE(q->check_dates);
  EXPECT_TRUE(link.due(0, true, kUnixNow)->check_dates);
  EXPECT_EQ(link.due(0, true, kUnixNow)->verify_time_s, 1'790'000'000);
  std::vector<uint8_t> buf(proto::kMaxNtsRequestSize);
  EXPECT_EQ(link.seal(buf.data(), codec::kHeaderSize, buf.size(), 0), 0u);  // no keys: nothing to send
  link.asked(5, false);
  EXPECT_FALSE(link.due(1, false, kUnixNow).has_value());  // one exchange at a time
  auto ntp = link.take(good_answer(), 1, kUnixNow);
  ASSERT_TRUE(ntp.has_value());
  EXPECT_EQ(ntp->to_string(), "192.0.2.9:11123");
  EXPECT_TRUE(link.ready());
  EXPECT_EQ(link.snapshot().cookies, 8);
  EXPECT_FALSE(link.snapshot().dates_checked);
  EXPECT_EQ(link.snapshot().ntp_server, "192.0.2.9:11123");
}

TEST(SntpdNtsLink, AKissNtsnEchoingOurIdentifierMakesANewExchangeDueAtOnce) {
  NtsLink link = keyed_link(0);
  std::vector<uint8_t> req = sealed(link, 77, 10 * kS);
  ASSERT_FALSE(req.empty());
  EXPECT_FALSE(link.due(10 * kS, true, kUnixNow).has_value());  // the keys are good for a day
  proto::NtsReplyStatus why = proto::NtsReplyStatus::Ok;
  uint32_t ntsn = codec::refid_from_ascii("NTSN");
  uint8_t other[32] = {};
  std::vector<uint8_t> spoofed = server_reply(req, {other, nullptr, 0, false, ntsn});
  EXPECT_EQ(link.judge(spoofed.data(), spoofed.size(), 11 * kS, &why), NtsVerdict::Stray);
  EXPECT_TRUE(link.ready());
  std::vector<uint8_t> kiss = server_reply(req, {id_of(req), nullptr, 0, false, ntsn});
  EXPECT_EQ(link.judge(kiss.data(), kiss.size(), 12 * kS, &why), NtsVerdict::Refused);
  EXPECT_FALSE(link.ready());
  EXPECT_EQ(link.snapshot().naks, 1u);
  EXPECT_EQ(link.due_ns(), 12 * kS);
  auto q = link.due(12 * kS, true, kUnixNow);
  ASSERT_TRUE(q.has_value());
  EXPECT_TRUE(q->check_dates);
}

TEST(SntpdNtsLink, OnlyAuthenticatedRepliesPass) {
  Pair keys = make_keys(1);
  NtsLink link = keyed_link(0);
  std::vector<uint8_t> req = sealed(link, 78, kS);
  proto::NtsReplyStatus why = proto::NtsReplyStatus::Ok;
  std::vector<uint8_t> plain = server_reply(req, {id_of(req), nullptr});
  EXPECT_EQ(link.judge(plain.data(), plain.size(), kS, &why), NtsVerdict::Forged);
  EXPECT_EQ(why, proto::NtsReplyStatus::Unauthenticated);
  std::vector<uint8_t> forged = server_reply(req, {id_of(req), &keys.c2s});
  EXPECT_EQ(link.judge(forged.data(), forged.size(), kS, &why), NtsVerdict::Forged);
  EXPECT_EQ(why, proto::NtsReplyStatus::BadAuthenticator);
  std::vector<uint8_t> good = server_reply(req, {id_of(req), &keys.s2c, 2});
  EXPECT_EQ(link.judge(good.data(), good.size(), kS, &why), NtsVerdict::Pass);
  EXPECT_EQ(link.snapshot().cookies, 8);  // 7 after the request, 2 brought, at most 8 kept
}

TEST(SntpdNtsLink, AnEmptyJarMakesAnExchangeDueAndAFailureIsShown) {
  NtsLink link = keyed_link(0);
  for (uint32_t i = 0; i < 8; ++i) EXPECT_FALSE(sealed(link, 100 + i, kS).empty());
  EXPECT_TRUE(sealed(link, 200, 2 * kS).empty());  // eight replies lost
  EXPECT_EQ(link.due_ns(), kS);
  EXPECT_NE(link.not_ready_why().find("NTS"), std::string::npos);
  link.asked(2, true);
  os::nts::KeAnswer refused;
  refused.error = "certificate refused: not valid at the time checked";
  EXPECT_FALSE(link.take(refused, 3 * kS, kUnixNow).has_value());
  EXPECT_EQ(link.snapshot().error, refused.error);
  EXPECT_FALSE(link.snapshot().authenticated);
  EXPECT_EQ(link.not_ready_why(), "NTS: " + refused.error);
  EXPECT_EQ(link.due_ns(), 3 * kS + core::kNtsRetryFirstNs);
}

}  // namespace
}  // namespace lansync::sntpd
