// Unit tests of one NTS association's exchanges (proto/nts_session): the cookie jar refilled by
// placeholders, replies matched to their request and judged, a replay bringing nothing, a kiss
// NTSN answering its request; and of the key-exchange schedule and certificate-date rule
// (core/nts_schedule).
#include <gtest/gtest.h>

#include <vector>

#include "../support/nts_server.hpp"
#include "codec/ntp_packet.hpp"
#include "core/nts_schedule.hpp"
#include "proto/nts_session.hpp"

namespace lansync {
namespace {

using lansync::testing::make_cookie;
using lansync::testing::make_keys;
using lansync::testing::Pair;
using lansync::testing::server_reply;
using S = proto::NtsReplyStatus;

// A session started with count cookies.
proto::NtsSession started(size_t count) {
  std::vector<codec::NtsCookie> cookies;
  for (size_t i = 0; i < count; ++i) cookies.push_back(make_cookie(static_cast<uint8_t>(i + 1)));
  proto::NtsSession s;
  s.start(cookies.data(), cookies.size());
  return s;
}

struct Sealed {
  std::vector<uint8_t> bytes;
  uint8_t unique_id[32] = {};
};

// A request sealed by s, its transmit field tx, its identifier filled with id.
Sealed request(proto::NtsSession& s, const Pair& keys, uint32_t tx, uint8_t id) {
  Sealed r;
  for (uint8_t& b : r.unique_id) b = id;
  uint8_t nonce[16] = {id};
  std::vector<uint8_t> buf(proto::kMaxNtsRequestSize);
  codec::NtpHeader h;
  h.transmit = {tx, 0};
  size_t n = codec::encode(h, buf.data(), buf.size());
  n = s.seal_request(buf.data(), n, buf.size(), r.unique_id, nonce, keys.c2s);
  buf.resize(n);
  r.bytes = buf;
  return r;
}

S judge(proto::NtsSession& s, const std::vector<uint8_t>& reply, const Pair& keys) {
  auto layout = codec::decode(reply.data(), reply.size());
  EXPECT_TRUE(layout.ok());
  return s.judge_reply(reply.data(), *layout, keys.s2c);
}

// Placeholders in a request: its extension fields less identifier, cookie and authenticator.
size_t placeholders(const Sealed& r) {
  auto layout = codec::decode(r.bytes.data(), r.bytes.size());
  EXPECT_TRUE(layout.ok());
  return layout->extension_count - 3;
}

TEST(NtsSession, EachRequestTakesOneCookieAndAsksForAsManyAsRefillTheJar) {
  Pair keys = make_keys(1);
  proto::NtsSession s = started(8);
  Sealed a = request(s, keys, 100, 1);
  EXPECT_EQ(s.cookies(), 7u);
  EXPECT_EQ(placeholders(a), 0u);  // its answer brings the one cookie back: 8
  Sealed b = request(s, keys, 101, 2);
  Sealed c = request(s, keys, 102, 3);
  EXPECT_EQ(s.cookies(), 5u);
  EXPECT_EQ(placeholders(c), 2u);  // two earlier replies lost so far: three cookies asked for
  EXPECT_EQ(b.bytes.size() + (4 + 100), c.bytes.size());  // one placeholder more
  // The reply to c brings three cookies: the jar is full again.
  EXPECT_EQ(judge(s, server_reply(c.bytes, {c.unique_id, &keys.s2c, 3}), keys), S::Ok);
  EXPECT_EQ(s.cookies(), 8u);
}

TEST(NtsSession, AnEmptyJarSealsNothing) {
  Pair keys = make_keys(1);
  proto::NtsSession s = started(1);
  EXPECT_FALSE(request(s, keys, 1, 1).bytes.empty());
  EXPECT_TRUE(request(s, keys, 2, 2).bytes.empty());
  s.start(nullptr, 0);
  EXPECT_EQ(s.cookies(), 0u);
}

TEST(NtsSession, RepliesAreMatchedByOriginAndJudgedWithTheirOwnIdentifier) {
  Pair keys = make_keys(2);
  proto::NtsSession s = started(8);
  Sealed a = request(s, keys, 200, 1);
  Sealed b = request(s, keys, 201, 2);
  // b's reply carrying a's identifier is not ours; a replay of an answered one brings nothing.
  EXPECT_EQ(judge(s, server_reply(b.bytes, {a.unique_id, &keys.s2c}), keys), S::NotOurs);
  std::vector<uint8_t> good = server_reply(a.bytes, {a.unique_id, &keys.s2c});
  EXPECT_EQ(judge(s, good, keys), S::Ok);
  EXPECT_EQ(s.cookies(), 7u);
  EXPECT_EQ(judge(s, good, keys), S::NotOurs);
  EXPECT_EQ(s.cookies(), 7u);
  // A forgery leaves b waiting for its genuine reply.
  EXPECT_EQ(judge(s, server_reply(b.bytes, {b.unique_id, &keys.c2s}), keys), S::BadAuthenticator);
  EXPECT_EQ(judge(s, server_reply(b.bytes, {b.unique_id, nullptr}), keys), S::Unauthenticated);
  EXPECT_EQ(judge(s, server_reply(b.bytes, {b.unique_id, &keys.s2c}), keys), S::Ok);
}

TEST(NtsSession, AKissNtsnAnswersItsRequestOnce) {
  Pair keys = make_keys(3);
  proto::NtsSession s = started(8);
  Sealed a = request(s, keys, 300, 1);
  uint32_t ntsn = codec::refid_from_ascii("NTSN");
  uint8_t other[32] = {};
  EXPECT_EQ(judge(s, server_reply(a.bytes, {other, nullptr, 0, false, ntsn}), keys), S::NotOurs);
  std::vector<uint8_t> kiss = server_reply(a.bytes, {a.unique_id, nullptr, 0, false, ntsn});
  EXPECT_EQ(judge(s, kiss, keys), S::Nak);
  EXPECT_EQ(judge(s, kiss, keys), S::NotOurs);
}

TEST(NtsSession, OnlyTheLastFourRequestsAreWaitedFor) {
  Pair keys = make_keys(4);
  proto::NtsSession s = started(8);
  std::vector<Sealed> sent;
  for (uint8_t i = 0; i < 5; ++i) sent.push_back(request(s, keys, 400 + i, i));
  EXPECT_EQ(judge(s, server_reply(sent[0].bytes, {sent[0].unique_id, &keys.s2c}), keys), S::NotOurs);
  EXPECT_EQ(judge(s, server_reply(sent[1].bytes, {sent[1].unique_id, &keys.s2c}), keys), S::Ok);
}

constexpr int64_t kS = 1'000'000'000;

TEST(NtsCertTime, DatesAreCheckedOnlyAgainstATrustedClock) {
  EXPECT_FALSE(core::nts_cert_time(false, 1'700'000'000 * kS).check_dates);
  core::NtsCertTime t = core::nts_cert_time(true, 1'700'000'000 * kS + 999'999'999);
  EXPECT_TRUE(t.check_dates);
  EXPECT_EQ(t.at_s, 1'700'000'000);
  EXPECT_EQ(core::nts_cert_time(true, -1).at_s, -1);  // floor, not toward zero
}

TEST(NtsSchedule, DueAtStartThenDailyAndRetriedWithBackoff) {
  core::NtsSchedule s;
  EXPECT_EQ(s.due_ns(), 0);
  EXPECT_FALSE(s.ready());
  s.asked();
  EXPECT_EQ(s.due_ns(), INT64_MAX);  // one at a time
  s.failed(10 * kS);
  EXPECT_EQ(s.due_ns(), 10 * kS + core::kNtsRetryFirstNs);
  s.asked();
  s.failed(20 * kS);
  EXPECT_EQ(s.due_ns(), 20 * kS + 2 * core::kNtsRetryFirstNs);
  s.asked();
  s.succeeded(true, 30 * kS);
  EXPECT_TRUE(s.ready());
  EXPECT_EQ(s.due_ns(), 30 * kS + core::kNtsRefreshNs);
  s.asked();
  s.failed(40 * kS);  // the daily refresh failed: the checked keys stay in use
  EXPECT_TRUE(s.ready());
  EXPECT_EQ(s.due_ns(), 40 * kS + core::kNtsRetryFirstNs);  // a success reset the backoff
}

TEST(NtsSchedule, ANakOrAnEmptyJarMakesAnExchangeDueAtOnce) {
  core::NtsSchedule s;
  s.asked();
  s.succeeded(true, 5 * kS);
  s.keys_spent(6 * kS);
  EXPECT_FALSE(s.ready());
  EXPECT_EQ(s.due_ns(), 6 * kS);
}

TEST(NtsSchedule, UncheckedDatesAreCheckedAfterTheFirstUpdateAndTheirKeysDroppedOnRefusal) {
  core::NtsSchedule s;
  s.asked();
  s.succeeded(false, 5 * kS);
  EXPECT_FALSE(s.dates_checked());
  s.authenticated_update(7 * kS);
  EXPECT_EQ(s.due_ns(), 7 * kS);
  s.asked();
  s.failed(8 * kS);  // the certificate is not valid at the corrected time
  EXPECT_FALSE(s.ready());
  core::NtsSchedule checked;
  checked.asked();
  checked.succeeded(true, 5 * kS);
  checked.authenticated_update(7 * kS);
  EXPECT_EQ(checked.due_ns(), 5 * kS + core::kNtsRefreshNs);  // nothing to check again
}

}  // namespace
}  // namespace lansync
