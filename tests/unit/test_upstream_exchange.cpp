// Tests of a server's source driven sans-IO (core/upstream_exchange): the request its timer writes,
// the datagrams handed back with their receive times, and the actions that come out.
//
// The test plays the server on bytes alone: it answers the request the source wrote, and the
// source says what each answer was (a sample, a stray, a forgery, a kiss) and how its reach moved.
#include <gtest/gtest.h>

#include <vector>

#include "../support/ntp_replies.hpp"
#include "../support/test_keys.hpp"
#include "codec/ntp_packet.hpp"
#include "core/upstream.hpp"
#include "proto/auth.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kT1 = 1'790'000'000 * kS;  // the disciplined clock at the request (Unix ns)

// A datagram and its size.
using Bytes = std::vector<uint8_t>;

// A server 5 ms ahead of our clock, 2 ms away each way: T2 = T1 + 7 ms, T3 = T2 + 1 ms, T4 = T1 + 5 ms.
Bytes reply_to(const Bytes& request, uint8_t stratum = 2, uint32_t refid = 0xC0A80401) {
  return testing::server_reply(request, kT1 + 7 * kMs, kT1 + 8 * kMs, stratum, refid);
}

constexpr int64_t kT4 = kT1 + 5 * kMs;

// A Kiss-o'-Death with code to request.
Bytes kiss(const Bytes& request, const char* code) {
  return reply_to(request, 0, codec::refid_from_ascii(code));
}

// The source's poll at now_ns, sent at kT1: the request's bytes.
Bytes poll_and_send(UpstreamSource& s, int64_t now_ns, uint64_t cookie = 0x1234) {
  Bytes out(codec::kHeaderSize + codec::kMaxV3MacSize);
  SourceAction a = s.poll(now_ns, cookie, out.data(), out.size());
  EXPECT_GT(a.send_size, 0u);
  out.resize(a.send_size);
  s.sent(kT1);
  return out;
}

SourceAction hand(UpstreamSource& s, const Bytes& datagram, int64_t slew_remaining_ns = 0) {
  return s.receive(datagram.data(), datagram.size(), kT4, 0, SampleRules{}, slew_remaining_ns);
}

TEST(UpstreamExchange, AnAnswerToItsRequestIsASampleOnce) {
  UpstreamSource s("server", 1, 0);
  Bytes request = poll_and_send(s, 0);
  EXPECT_EQ(request.size(), codec::kHeaderSize);
  auto sent = codec::decode(request.data(), request.size());
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(sent->header.mode, codec::Mode::Client);
  EXPECT_EQ(s.next_poll_ns(), kBurstSpacingNs) << "the burst's next request";

  Bytes reply = reply_to(request);
  SourceAction a = hand(s, reply);
  EXPECT_EQ(a.event, SourceEvent::Sample);
  EXPECT_EQ(a.verdict, SampleVerdict::Used);
  EXPECT_EQ(a.reach, ReachEvent::Reached);
  EXPECT_TRUE(a.reselect());
  // offset = ((T2 - T1) + (T3 - T4)) / 2 = (7 + 3) / 2 ms; delay = (T4 - T1) - (T3 - T2) = 4 ms.
  EXPECT_NEAR(static_cast<double>(a.sample.sample.offset_ns), 5e6, 1e3);
  EXPECT_NEAR(static_cast<double>(a.sample.sample.delay_ns), 4e6, 1e3);
  EXPECT_EQ(a.sample.time_ns, kT4);
  EXPECT_EQ(a.sample.stratum, 2);
  EXPECT_EQ(s.samples(), 1u);
  EXPECT_TRUE(s.reachable());
  EXPECT_EQ(s.problem(), "");

  SourceAction again = hand(s, reply);
  EXPECT_EQ(again.event, SourceEvent::Ignored) << "a duplicate ends nothing";
  EXPECT_EQ(again.status, proto::ReplyStatus::NotOurs);
  EXPECT_FALSE(again.reselect());
  EXPECT_EQ(s.rejected()[index(Rejection::Stray)], 1u);
  EXPECT_EQ(s.samples(), 1u);
}

TEST(UpstreamExchange, TakesTheSampleAsIfTheSlewInProgressWereDone) {
  UpstreamSource s("server", 1, 0);
  SourceAction a = hand(s, reply_to(poll_and_send(s, 0)), 3 * kMs);
  ASSERT_EQ(a.event, SourceEvent::Sample);
  EXPECT_EQ(a.sample.time_ns, kT4 + 3 * kMs);
  EXPECT_NEAR(static_cast<double>(a.sample.sample.offset_ns), 2e6, 1e3);
}

TEST(UpstreamExchange, WaitsOnlyForItsLastFourRequestsThatWereSent) {
  UpstreamSource s("server", 1, 0);
  std::vector<Bytes> requests;
  for (int i = 0; i < 5; ++i)
    requests.push_back(poll_and_send(s, s.next_poll_ns(), 100 + static_cast<uint64_t>(i)));
  EXPECT_EQ(hand(s, reply_to(requests[0])).status, proto::ReplyStatus::NotOurs) << "the oldest is forgotten";
  EXPECT_EQ(hand(s, reply_to(requests[1])).event, SourceEvent::Sample);

  Bytes out(codec::kHeaderSize);
  ASSERT_GT(s.poll(s.next_poll_ns(), 7, out.data(), out.size()).send_size, 0u);
  s.send_failed("network is unreachable");
  EXPECT_EQ(s.problem(), "network is unreachable");
  EXPECT_EQ(hand(s, reply_to(out)).status, proto::ReplyStatus::NotOurs)
      << "a request never sent is never waited";
  EXPECT_EQ(hand(s, Bytes{}).status, proto::ReplyStatus::Malformed) << "a truncated datagram";
}

TEST(UpstreamExchange, CountsForgeriesAndKeepsWaitingForTheSignedReply) {
  auto keys = testing::client_test_keys();
  UpstreamSource s("server", 1, 0);
  s.set_key(keys.get(), 1);
  Bytes request = poll_and_send(s, 0);
  EXPECT_GT(request.size(), codec::kHeaderSize) << "signed";
  auto sign = [&](const Bytes& p, uint32_t key_id) { return testing::signed_with(p, key_id, *keys); };
  Bytes bare = reply_to(request);
  SourceAction unsigned_reply = hand(s, bare);
  EXPECT_EQ(unsigned_reply.event, SourceEvent::Forged);
  EXPECT_EQ(unsigned_reply.status, proto::ReplyStatus::Unauthenticated);
  EXPECT_EQ(hand(s, sign(bare, 2)).status, proto::ReplyStatus::BadMac) << "another key";
  EXPECT_EQ(s.rejected()[index(Rejection::Unauthenticated)], 1u);
  EXPECT_EQ(s.rejected()[index(Rejection::BadMac)], 1u);
  EXPECT_FALSE(s.reachable()) << "a forgery is no answer";
  EXPECT_EQ(hand(s, sign(bare, 1)).event, SourceEvent::Sample);
}

TEST(UpstreamExchange, ObeysKissesOfDeath) {
  UpstreamSource s("server", 1, 0);
  int poll_before = s.poll_log2();
  SourceAction rate = hand(s, kiss(poll_and_send(s, 0), "RATE"));
  EXPECT_EQ(rate.event, SourceEvent::KissRate);
  EXPECT_EQ(s.poll_log2(), poll_before + 1);
  EXPECT_EQ(s.problem(), "kod RATE");
  EXPECT_EQ(s.samples(), 0u);

  Bytes request = poll_and_send(s, s.next_poll_ns());
  Bytes late = poll_and_send(s, s.next_poll_ns() + 1);
  SourceAction deny = hand(s, kiss(request, "DENY"));
  EXPECT_EQ(deny.event, SourceEvent::KissStop);
  EXPECT_EQ(deny.kiss, codec::refid_from_ascii("DENY"));
  EXPECT_TRUE(deny.reselect());
  EXPECT_TRUE(s.stopped());
  EXPECT_EQ(s.next_poll_ns(), INT64_MAX);
  EXPECT_EQ(hand(s, reply_to(late)).status, proto::ReplyStatus::NotOurs) << "nothing is waited after a DENY";
}

TEST(UpstreamExchange, SaysWhyAnAnswerIsNoSample) {
  UpstreamSource s("server", 1, 0);
  SourceAction a = hand(s, reply_to(poll_and_send(s, 0), 16));
  EXPECT_EQ(a.event, SourceEvent::NotUsable);
  EXPECT_EQ(s.problem(), proto::describe(a.status));
  EXPECT_FALSE(s.reachable()) << "only a usable reply reaches";
}

TEST(UpstreamExchange, TellsEachChangeOfReachOnce) {
  UpstreamSource s("server", 1, 0);
  std::vector<ReachEvent> polls;
  Bytes request;
  for (int i = 0; i < kReachPolls + 1; ++i) {
    Bytes out(codec::kHeaderSize);
    polls.push_back(s.poll(s.next_poll_ns(), 9, out.data(), out.size()).reach);
    s.sent(kT1);
    request = out;
  }
  std::vector<ReachEvent> expected(kReachPolls + 1, ReachEvent::Same);
  expected[kReachPolls - 1] = ReachEvent::NeverAnswered;
  EXPECT_EQ(polls, expected);

  EXPECT_EQ(hand(s, reply_to(request)).reach, ReachEvent::Reached);
  int64_t reached_ns = s.reach_change_mono_ns();
  ReachEvent last = ReachEvent::Same;
  int until_unreachable = 0;
  while (last == ReachEvent::Same && until_unreachable < 2 * kReachPolls) {
    Bytes out(codec::kHeaderSize);
    last = s.poll(s.next_poll_ns(), 10, out.data(), out.size()).reach;
    s.sent(kT1);
    request = out;
    ++until_unreachable;
  }
  EXPECT_EQ(last, ReachEvent::Unreachable);
  EXPECT_EQ(until_unreachable, kReachPolls);
  EXPECT_GT(s.reach_change_mono_ns(), reached_ns);
  EXPECT_EQ(hand(s, reply_to(request)).reach, ReachEvent::Again);
}

TEST(UpstreamExchange, SaysOnceThatItsFirstPollsWentUnansweredEvenAfterAKiss) {
  UpstreamSource s("server", 1, 0);
  EXPECT_EQ(hand(s, kiss(poll_and_send(s, 0), "RATE")).event, SourceEvent::KissRate);
  std::vector<ReachEvent> polls;
  for (int i = 1; i < 3 * kReachPolls; ++i) {
    Bytes out(codec::kHeaderSize);
    polls.push_back(s.poll(s.next_poll_ns(), 11, out.data(), out.size()).reach);
  }
  std::vector<ReachEvent> expected(3 * kReachPolls - 1, ReachEvent::Same);
  expected[kReachPolls - 2] = ReachEvent::NeverAnswered;  // the kReachPolls-th poll
  EXPECT_EQ(polls, expected);
}

TEST(UpstreamExchange, AReceiversPollsTakeItsReadings) {
  UpstreamSource s("gps:shm0", 1, 0, 4);
  UpstreamSample reading;
  reading.time_ns = kT1;
  reading.sample = {2 * kMs, 1000};
  SourceAction first = s.take_reading(0, reading, SampleRules{});
  EXPECT_EQ(first.event, SourceEvent::Sample);
  EXPECT_EQ(first.reach, ReachEvent::Reached);
  EXPECT_EQ(s.samples(), 1u);

  std::vector<ReachEvent> reach;
  for (int i = 0; i < kReachPolls; ++i) {
    SourceAction a = s.take_reading(s.next_poll_ns(), std::nullopt, SampleRules{});
    EXPECT_EQ(a.event, SourceEvent::None);
    reach.push_back(a.reach);
  }
  std::vector<ReachEvent> expected(kReachPolls, ReachEvent::Same);
  expected.back() = ReachEvent::Unreachable;
  EXPECT_EQ(reach, expected) << "unreachable at its kReachPolls-th poll without a reading";

  SampleRules strict{true, kMs};
  SourceAction far = s.take_reading(s.next_poll_ns(), reading, strict);
  EXPECT_EQ(far.reach, ReachEvent::Again);
  EXPECT_EQ(far.verdict, SampleVerdict::BeyondMaxChange);
  EXPECT_EQ(s.rejected()[index(Rejection::MaxChange)], 1u);
}

}  // namespace
}  // namespace lansync::core
