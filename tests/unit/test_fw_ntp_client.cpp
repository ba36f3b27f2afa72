// Tests of the board's SNTP client: requests, the tests on replies, the least-delay filter, the schedule.
#include <gtest/gtest.h>

#include <vector>

#include "codec/ntp_packet.hpp"
#include "codec/timestamp.hpp"
#include "firmware/board/ntp_client.hpp"

namespace lansync::fw {
namespace {

using proto::ReplyStatus;

constexpr int64_t kT = int64_t{1'795'000'000} * 1'000'000'000;
constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;

struct Sent {
  codec::NtpHeader header;
  int64_t local_ns;
};

Sent send(NtpClient& c, int64_t local_ns, uint64_t cookie) {
  uint8_t buf[48];
  size_t n = c.make_request(local_ns, cookie, buf, sizeof(buf));
  EXPECT_EQ(n, 48u);
  auto d = codec::decode(buf, n);
  EXPECT_TRUE(d.ok());
  return {d->header, local_ns};
}

// A server reply to request: received at t2, sent at t3 (Unix ns).
std::vector<uint8_t> reply(const codec::NtpHeader& request, int64_t t2, int64_t t3) {
  codec::NtpHeader h;
  h.mode = codec::Mode::Server;
  h.stratum = 2;
  h.refid = 0xC0A80401;
  h.origin = request.transmit;
  h.receive = codec::to_ntp(t2);
  h.transmit = codec::to_ntp(t3);
  h.root_delay = codec::to_ntp_short(2 * kMs);
  h.root_dispersion = codec::to_ntp_short(1 * kMs);
  std::vector<uint8_t> out(48);
  codec::encode(h, out.data(), out.size());
  return out;
}

TEST(FwNtpClient, RequestCarriesTheCookieNotTheClock) {
  NtpClient c(ClientConfig{});
  c.start(5 * kS);
  EXPECT_FALSE(c.request_due(4 * kS));
  Sent s = send(c, 5 * kS, 0x1122334455667788);
  EXPECT_EQ(s.header.mode, codec::Mode::Client);
  EXPECT_EQ(s.header.version, 4);
  EXPECT_EQ(s.header.transmit.raw(), 0x1122334455667788u);
  EXPECT_FALSE(c.request_due(5 * kS + 100 * kMs));  // 250 ms apart
  EXPECT_TRUE(c.request_due(5 * kS + 250 * kMs));
  // A zero cookie would match replies with a zero origin.
  Sent z = send(c, 5 * kS + 250 * kMs, 0);
  EXPECT_FALSE(z.header.transmit.is_zero());
}

TEST(FwNtpClient, KeepsTheLeastDelayReplyOfTheBurst) {
  ClientConfig cfg;
  cfg.burst = 4;
  NtpClient c(cfg);
  c.start(0);
  const int64_t delays[4] = {9 * kMs, 3 * kMs, 20 * kMs, 5 * kMs};
  std::vector<Sent> sent;
  for (int i = 0; i < 4; ++i) sent.push_back(send(c, i * 250 * kMs, 100 + static_cast<uint64_t>(i)));
  // The server is 2 s ahead of the local counter's epoch kT; symmetric paths.
  for (int i = 0; i < 4; ++i) {
    int64_t t1 = sent[static_cast<size_t>(i)].local_ns;
    int64_t t2 = kT + 2 * kS + t1 + delays[i] / 2;
    auto r = reply(sent[static_cast<size_t>(i)].header, t2, t2 + 10'000);
    EXPECT_EQ(c.on_reply(r.data(), r.size(), t1 + delays[i] + 10'000, kT), ReplyStatus::Ok);
  }
  BurstResult b;
  ASSERT_TRUE(c.take_burst(800 * kMs, &b));  // every reply is in: no need to wait
  EXPECT_EQ(b.sent, 4);
  EXPECT_EQ(b.accepted, 4);
  ASSERT_TRUE(b.have_sample);
  EXPECT_EQ(b.best.delay_ns, 3 * kMs);
  // The sample: the server's time at the middle of the exchange on our counter.
  EXPECT_EQ(b.best.utc_ns - b.best.local_ns, kT + 2 * kS);
  EXPECT_EQ(b.stratum, 2);
  EXPECT_NEAR(static_cast<double>(b.root_delay_ns), 2e6, 16e3);  // 16.16 format: 15 us steps
  EXPECT_FALSE(c.take_burst(900 * kMs, &b));
}

TEST(FwNtpClient, RefusesWhatMustNotBeUsed) {
  NtpClient c(ClientConfig{});
  c.start(0);
  Sent s = send(c, 0, 77);
  auto good = [&] { return reply(s.header, kT, kT + 1000); };
  auto verdict = [&](std::vector<uint8_t> r) {
    NtpClient fresh(ClientConfig{});
    fresh.start(0);
    Sent again = send(fresh, 0, 77);
    (void)again;
    return fresh.on_reply(r.data(), r.size(), 1 * kMs, kT);
  };
  auto patch = [&](auto change) {
    auto r = good();
    auto d = codec::decode(r.data(), r.size());
    codec::NtpHeader h = d->header;
    change(h);
    codec::encode(h, r.data(), r.size());
    return r;
  };
  EXPECT_EQ(verdict(good()), ReplyStatus::Ok);
  EXPECT_EQ(verdict(patch([](codec::NtpHeader& h) { h.leap = codec::Leap::Unsynchronized; })),
            ReplyStatus::Unsynchronized);
  EXPECT_EQ(verdict(patch([](codec::NtpHeader& h) { h.stratum = 16; })), ReplyStatus::Unsynchronized);
  EXPECT_EQ(verdict(patch([](codec::NtpHeader& h) {
              h.stratum = 0;
              h.refid = codec::refid_from_ascii("INIT");
            })),
            ReplyStatus::KissOfDeath);
  EXPECT_EQ(verdict(patch([](codec::NtpHeader& h) { h.transmit = {}; })), ReplyStatus::BadTimestamps);
  EXPECT_EQ(verdict(patch([](codec::NtpHeader& h) { h.transmit = codec::to_ntp(kT - kS); })),
            ReplyStatus::BadTimestamps);
  EXPECT_EQ(verdict(patch([](codec::NtpHeader& h) { h.root_dispersion = codec::to_ntp_short(2 * kS); })),
            ReplyStatus::RootDistanceTooLarge);
  EXPECT_EQ(verdict(patch([](codec::NtpHeader& h) { h.origin = codec::NtpTimestamp::from_raw(78); })),
            ReplyStatus::NotOurs);
  EXPECT_EQ(verdict(patch([](codec::NtpHeader& h) { h.mode = codec::Mode::Broadcast; })),
            ReplyStatus::NotServerMode);
  uint8_t junk[7] = {1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(c.on_reply(junk, sizeof(junk), 1 * kMs, kT), ReplyStatus::Malformed);
  // A reply counts once: a replay of it is not ours any more.
  auto r = good();
  EXPECT_EQ(c.on_reply(r.data(), r.size(), 1 * kMs, kT), ReplyStatus::Ok);
  EXPECT_EQ(c.on_reply(r.data(), r.size(), 2 * kMs, kT), ReplyStatus::NotOurs);
}

TEST(FwNtpClient, KissOfDeath) {
  ClientConfig cfg;
  cfg.burst = 1;
  NtpClient c(cfg);
  c.start(0);
  Sent s = send(c, 0, 5);
  auto kiss = [&](const char* code, const Sent& to) {
    codec::NtpHeader h;
    h.mode = codec::Mode::Server;
    h.stratum = 0;
    h.refid = codec::refid_from_ascii(code);
    h.origin = to.header.transmit;
    std::vector<uint8_t> out(48);
    codec::encode(h, out.data(), out.size());
    return out;
  };
  auto rate = kiss("RATE", s);
  int8_t before = c.poll_log2();
  EXPECT_EQ(c.on_reply(rate.data(), rate.size(), kMs, kT), ReplyStatus::KissOfDeath);
  EXPECT_EQ(c.poll_log2(), before + 1);
  BurstResult b;
  ASSERT_TRUE(c.take_burst(2 * kMs, &b));
  EXPECT_EQ(b.kiss_code, codec::refid_from_ascii("RATE"));
  EXPECT_FALSE(b.have_sample);
  // RATE raised the floor: shortening the interval stops there.
  c.poll_down();
  EXPECT_EQ(c.poll_log2(), before + 1);

  int64_t next = c.next_event_ns();
  Sent s2 = send(c, next, 6);
  auto deny = kiss("DENY", s2);
  EXPECT_EQ(c.on_reply(deny.data(), deny.size(), next + kMs, kT), ReplyStatus::KissOfDeath);
  EXPECT_FALSE(c.active());
  EXPECT_TRUE(c.take_burst(next + 2 * kMs, &b));
  EXPECT_FALSE(c.request_due(next + 1000 * kS));
}

TEST(FwNtpClient, StartsQuicklyThenPollsAtTheConfiguredInterval) {
  ClientConfig cfg;
  cfg.burst = 1;
  cfg.min_poll_log2 = 6;
  cfg.max_poll_log2 = 8;
  cfg.startup_bursts = 2;
  NtpClient c(cfg);
  c.start(0);
  std::vector<int64_t> starts;
  int64_t t = 0;
  for (int burst = 0; burst < 5; ++burst) {
    t = c.next_event_ns();
    starts.push_back(t);
    send(c, t, 9);
    BurstResult b;
    ASSERT_TRUE(c.take_burst(t + 2 * kS, &b));  // no reply: the timeout ends it
    EXPECT_EQ(b.sent, 1);
    EXPECT_FALSE(b.have_sample);
  }
  EXPECT_EQ(starts[1] - starts[0], 16 * kS);
  EXPECT_EQ(starts[2] - starts[1], 16 * kS);
  EXPECT_EQ(starts[3] - starts[2], 64 * kS);
  c.poll_up();
  c.poll_up();
  c.poll_up();
  EXPECT_EQ(c.poll_log2(), 8);
  EXPECT_EQ(c.requests_sent(), 5u);
}

TEST(FwNtpClient, Broadcasts) {
  codec::NtpHeader h;
  h.mode = codec::Mode::Broadcast;
  h.stratum = 3;
  h.transmit = codec::to_ntp(kT);
  uint8_t buf[48];
  codec::encode(h, buf, sizeof(buf));
  BurstResult b;
  ASSERT_EQ(read_broadcast(buf, sizeof(buf), 42 * kS, kT, 3 * kMs, &b), ReplyStatus::Ok);
  EXPECT_EQ(b.best.local_ns, 42 * kS);
  EXPECT_EQ(b.best.utc_ns, kT + 3 * kMs);
  EXPECT_EQ(b.best.delay_ns, 6 * kMs);
  EXPECT_EQ(b.stratum, 3);
  h.leap = codec::Leap::Unsynchronized;
  codec::encode(h, buf, sizeof(buf));
  EXPECT_EQ(read_broadcast(buf, sizeof(buf), 42 * kS, kT, 0, &b), ReplyStatus::Unsynchronized);
  h.leap = codec::Leap::None;
  h.mode = codec::Mode::Server;
  codec::encode(h, buf, sizeof(buf));
  EXPECT_EQ(read_broadcast(buf, sizeof(buf), 42 * kS, kT, 0, &b), ReplyStatus::NotServerMode);
}

}  // namespace
}  // namespace lansync::fw
