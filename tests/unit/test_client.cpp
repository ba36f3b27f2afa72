// Unit tests of one client exchange (proto/client): the request written, its reply matched and judged.
#include <gtest/gtest.h>

#include <vector>

#include "../support/test_keys.hpp"
#include "proto/client.hpp"

namespace lansync::proto {
namespace {

using codec::NtpHeader;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kT0 = 1'795'000'000'000'000'000;  // 2026-11-18

NtpHeader decoded(const std::vector<uint8_t>& p) {
  auto d = codec::decode(p.data(), p.size());
  EXPECT_TRUE(d.ok());
  return d ? d->header : NtpHeader{};
}

// Starts session with cookie at t1_ns; the request's bytes.
std::vector<uint8_t> start(ClientSession& session, uint64_t cookie, int64_t t1_ns,
                           const MacKeys* keys = nullptr, uint32_t key_id = 0) {
  std::vector<uint8_t> out(codec::kHeaderSize + codec::kMaxV3MacSize);
  out.resize(session.write_request(cookie, out.data(), out.size(), keys, key_id));
  session.note_sent(t1_ns);
  return out;
}

// A good reply to request: received at t2, sent at t3 (Unix ns), signed with key_id unless 0.
std::vector<uint8_t> reply(const std::vector<uint8_t>& request, int64_t t2, int64_t t3,
                           const MacKeys* keys = nullptr, uint32_t key_id = 0) {
  NtpHeader h;
  h.mode = codec::Mode::Server;
  h.stratum = 2;
  h.refid = 0xC0A80401;
  h.origin = decoded(request).transmit;
  h.receive = codec::to_ntp(t2);
  h.transmit = codec::to_ntp(t3);
  h.root_delay = codec::to_ntp_short(2 * kMs);
  h.root_dispersion = codec::to_ntp_short(1 * kMs);
  std::vector<uint8_t> out(codec::kHeaderSize + codec::kMaxV3MacSize);
  size_t size = codec::encode(h, out.data(), out.size());
  if (key_id != 0) size = sign_packet(out.data(), size, out.size(), key_id, *keys);
  out.resize(size);
  return out;
}

ClientReply receive(ClientSession& s, const std::vector<uint8_t>& p, int64_t t4_ns, int64_t pivot_ns = kT0) {
  return receive_reply(&s, 1, p.data(), p.size(), t4_ns, pivot_ns);
}

TEST(ClientSession, RequestCarriesTheCookieAndThePoll) {
  ClientSession s;
  uint8_t buf[48];
  ASSERT_EQ(s.write_request(0x1122334455667788, buf, sizeof(buf), nullptr, 0, 6), 48u);
  NtpHeader h = decoded({buf, buf + 48});
  EXPECT_EQ(h.mode, codec::Mode::Client);
  EXPECT_EQ(h.version, 4);
  EXPECT_EQ(h.poll_log2, 6);
  EXPECT_EQ(h.transmit.raw(), 0x1122334455667788u);
  EXPECT_EQ(s.request().cookie, h.transmit);
  EXPECT_FALSE(s.waiting());  // until it is sent
  // A zero transmit field is invalid on the wire, and would match a zero origin.
  ASSERT_EQ(s.write_request(0, buf, sizeof(buf)), 48u);
  EXPECT_FALSE(decoded({buf, buf + 48}).transmit.is_zero());
  EXPECT_EQ(s.write_request(1, buf, 47), 0u);
}

TEST(ClientSession, SignsWithTheKeyItIsGiven) {
  auto keys = testing::client_test_keys();
  ClientSession s;
  std::vector<uint8_t> req = start(s, 42, kT0, keys.get(), 1);
  ASSERT_EQ(req.size(), codec::kHeaderSize + 24);  // NTPv4: key ID + 20 bytes of digest
  auto layout = codec::decode(req.data(), req.size());
  ASSERT_TRUE(layout.ok());
  AuthCheck a = check_auth(req.data(), *layout, keys.get());
  EXPECT_EQ(a.status, AuthStatus::Ok);
  EXPECT_EQ(a.key_id, 1u);
  EXPECT_EQ(s.request().key_id, 1u);
  ClientSession unknown;
  uint8_t buf[codec::kHeaderSize + codec::kMaxV3MacSize];
  EXPECT_EQ(unknown.write_request(42, buf, sizeof(buf), keys.get(), 9), 0u) << "no key 9";
  EXPECT_EQ(unknown.write_request(42, buf, codec::kHeaderSize, keys.get(), 1), 0u) << "no room for the MAC";
  EXPECT_EQ(unknown.write_request(42, buf, sizeof(buf), keys.get(), 0), codec::kHeaderSize)
      << "key 0: unsigned";
}

TEST(ClientSession, AGoodReplyGivesTheSampleAndEndsTheExchange) {
  ClientSession s;
  std::vector<uint8_t> req = start(s, 7, kT0);
  // The server is 1 s ahead; 4 ms each way, 1 ms inside.
  auto r = reply(req, kT0 + 1000 * kMs + 4 * kMs, kT0 + 1000 * kMs + 5 * kMs);
  ClientReply got = receive(s, r, kT0 + 9 * kMs);
  ASSERT_EQ(got.check.status, ReplyStatus::Ok);
  EXPECT_EQ(got.session, 0u);
  EXPECT_NEAR(static_cast<double>(got.check.sample.offset_ns), 1000.0 * kMs, 1.0);
  EXPECT_NEAR(static_cast<double>(got.check.sample.delay_ns), 8.0 * kMs, 1.0);
  EXPECT_EQ(got.header.stratum, 2);
  EXPECT_EQ(got.header.refid, 0xC0A80401u);
  EXPECT_FALSE(s.waiting());
  EXPECT_EQ(receive(s, r, kT0 + 10 * kMs).check.status, ReplyStatus::NotOurs) << "a replay";
}

TEST(ClientSession, WhatIsNotAnAnswerIsIgnored) {
  ClientSession s;
  std::vector<uint8_t> req = start(s, 7, kT0);
  uint8_t junk[7] = {1, 2, 3, 4, 5, 6, 7};
  ClientReply got = receive_reply(&s, 1, junk, sizeof(junk), kT0, kT0);
  EXPECT_EQ(got.check.status, ReplyStatus::Malformed);
  EXPECT_EQ(got.session, 1u);
  auto r = reply(req, kT0, kT0 + kMs);
  r[0] = static_cast<uint8_t>((r[0] & 0xF8) | 5);  // broadcast mode
  EXPECT_EQ(receive(s, r, kT0 + 2 * kMs).check.status, ReplyStatus::NotServerMode);
  ClientSession other;
  auto stray = reply(start(other, 8, kT0), kT0, kT0 + kMs);
  EXPECT_EQ(receive(s, stray, kT0 + 2 * kMs).check.status, ReplyStatus::NotOurs);
  EXPECT_TRUE(s.waiting());
  ClientSession unsent;
  uint8_t buf[48];
  unsent.write_request(9, buf, sizeof(buf));
  auto early = reply({buf, buf + 48}, kT0, kT0 + kMs);
  EXPECT_EQ(receive(unsent, early, kT0).check.status, ReplyStatus::NotOurs) << "not sent yet";
}

TEST(ClientSession, ForgeriesDoNotUseUpASignedRequest) {
  auto keys = testing::client_test_keys();
  ClientSession s;
  std::vector<uint8_t> req = start(s, 7, kT0, keys.get(), 1);
  ClientReply bare = receive(s, reply(req, kT0, kT0 + kMs), kT0 + 2 * kMs);
  EXPECT_EQ(bare.check.status, ReplyStatus::Unauthenticated);
  EXPECT_EQ(bare.auth.status, AuthStatus::Unsigned);
  ClientReply other = receive(s, reply(req, kT0, kT0 + kMs, keys.get(), 2), kT0 + 2 * kMs);
  EXPECT_EQ(other.check.status, ReplyStatus::BadMac);
  EXPECT_EQ(other.auth.key_id, 2u);
  auto bad = reply(req, kT0, kT0 + kMs, keys.get(), 1);
  bad.back() ^= 1;
  EXPECT_EQ(receive(s, bad, kT0 + 2 * kMs).check.status, ReplyStatus::BadMac);
  EXPECT_TRUE(s.waiting());
  ClientReply good = receive(s, reply(req, kT0, kT0 + kMs, keys.get(), 1), kT0 + 2 * kMs);
  EXPECT_EQ(good.check.status, ReplyStatus::Ok);
  EXPECT_EQ(good.auth.status, AuthStatus::Ok);
  EXPECT_FALSE(s.waiting());
}

TEST(ClientSession, AnUnusableAnswerEndsTheExchange) {
  ClientSession s;
  std::vector<uint8_t> req = start(s, 7, kT0);
  auto kod = reply(req, kT0, kT0 + kMs);
  kod[1] = 0;  // stratum 0
  ClientReply got = receive(s, kod, kT0 + 2 * kMs);
  EXPECT_EQ(got.check.status, ReplyStatus::KissOfDeath);
  EXPECT_FALSE(s.waiting());
}

TEST(ClientSession, TheReplyFindsItsOwnRequest) {
  ClientSession burst[3];
  std::vector<std::vector<uint8_t>> reqs;
  for (int i = 0; i < 3; ++i)
    reqs.push_back(start(burst[i], 100 + static_cast<uint64_t>(i), kT0 + i * 250 * kMs));
  auto r = reply(reqs[1], kT0 + 251 * kMs, kT0 + 252 * kMs);
  ClientReply got = receive_reply(burst, 3, r.data(), r.size(), kT0 + 253 * kMs, kT0);
  ASSERT_EQ(got.check.status, ReplyStatus::Ok);
  EXPECT_EQ(got.session, 1u);
  EXPECT_NEAR(static_cast<double>(got.check.sample.delay_ns), 2.0 * kMs, 1.0);
  EXPECT_TRUE(burst[0].waiting());
  EXPECT_FALSE(burst[1].waiting());
  EXPECT_TRUE(burst[2].waiting());
}

TEST(ClientSession, ALocalCounterForT1AndT4) {
  // A board: T1 and T4 on its counter since boot, eras unfolded around its UTC estimate.
  ClientSession s;
  std::vector<uint8_t> req = start(s, 7, 5'000 * kMs);
  ClientReply got = receive(s, reply(req, kT0 + 3 * kMs, kT0 + 4 * kMs), 5'007 * kMs, kT0);
  ASSERT_EQ(got.check.status, ReplyStatus::Ok);
  EXPECT_NEAR(static_cast<double>(got.check.sample.delay_ns), 6.0 * kMs, 1.0);
  EXPECT_NEAR(static_cast<double>(got.check.t2_ns), static_cast<double>(kT0 + 3 * kMs), 1.0);
  EXPECT_NEAR(static_cast<double>(got.check.t3_ns), static_cast<double>(kT0 + 4 * kMs), 1.0);
}

}  // namespace
}  // namespace lansync::proto
