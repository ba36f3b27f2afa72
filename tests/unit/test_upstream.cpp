// Unit tests of upstream following: schedule, filter, selection, discipline and the guards (core/upstream).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/upstream.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kT0 = 1'795'000'000 * kS;

UpstreamSample sample(int64_t t, int64_t offset, int64_t delay = 2 * kMs, uint8_t stratum = 2) {
  UpstreamSample s;
  s.time_ns = t;
  s.sample = {offset, delay};
  s.stratum = stratum;
  s.root_delay_ns = 10 * kMs;
  s.root_dispersion_ns = 1 * kMs;
  s.precision_log2 = -20;
  return s;
}

// n sources named a, b, c..., each polled once at 0.
std::vector<UpstreamSource> polled_sources(uint32_t n) {
  std::vector<UpstreamSource> v;
  for (uint32_t i = 0; i < n; ++i) v.emplace_back(std::string(1, static_cast<char>('a' + i)), i + 1, 0);
  for (auto& s : v) s.on_transmit(0);
  return v;
}

// Polls s once a second from t, each answered within ±0.1 ms of noise, until its interval is the
// longest; returns when the next poll would go.
int64_t poll_to_the_longest(UpstreamSource& s, int64_t t = 0) {
  for (int i = 0; i < 200; ++i, t += kS) {
    s.on_transmit(t);
    s.on_sample(sample(kT0 + i * kS, (i % 2) ? 100'000 : -100'000));
  }
  return t;
}

TEST(Upstream, BurstOfFourTwoSecondsApartThenPoll) {
  UpstreamSource s("a", 1, 0);
  EXPECT_EQ(s.next_poll_ns(), 0);
  int64_t t = 0;
  for (int i = 0; i < kBurstSamples - 1; ++i) {
    s.on_transmit(t);
    EXPECT_EQ(s.next_poll_ns(), t + kBurstSpacingNs);
    t = s.next_poll_ns();
  }
  s.on_transmit(t);
  EXPECT_EQ(s.next_poll_ns(), t + 64 * kS);
}

TEST(Upstream, ReachRegisterCountsAnsweredPolls) {
  UpstreamSource s("a", 1, 0);
  s.on_transmit(0);
  s.on_sample(sample(kT0, 0));
  s.on_transmit(1);
  s.on_transmit(2);
  EXPECT_EQ(s.reach(), 0b100);
  for (int i = 0; i < 8; ++i) s.on_transmit(3 + i);
  EXPECT_EQ(s.reach(), 0);
  EXPECT_FALSE(s.best().has_value());  // unreachable: its samples no longer count
}

TEST(Upstream, FilterKeepsTheLeastDelay) {
  UpstreamSource s("a", 1, 0);
  s.on_transmit(0);
  s.on_sample(sample(kT0, 5 * kMs, 30 * kMs));
  s.on_sample(sample(kT0 + kS, 1 * kMs, 2 * kMs));
  s.on_sample(sample(kT0 + 2 * kS, 7 * kMs, 40 * kMs));
  EXPECT_EQ(s.best()->sample.offset_ns, 1 * kMs);
}

TEST(Upstream, PollGrowsWhileOffsetsStayInTheNoise) {
  UpstreamSource s("a", 1, 0);
  poll_to_the_longest(s);
  EXPECT_EQ(s.poll_log2(), kMaxPollLog2);
  // Offsets far outside the noise bring it back down.
  for (int i = 0; i < 200; ++i) s.on_sample(sample(kT0 + i * kS, 500 * kMs));
  EXPECT_EQ(s.poll_log2(), kMinPollLog2);
}

// While a temperature sensor's curve corrects the crystal, the poll stops at 512 s; a source at
// 1 024 s comes down to it, and goes back up once nothing does.
TEST(Upstream, ASensorsCurveBeneathKeepsThePollAt512s) {
  UpstreamSource s("a", 1, 0);
  s.correct_beneath(Beneath::Temperature);
  poll_to_the_longest(s);
  EXPECT_EQ(s.poll_log2(), kSensorMaxPollLog2);
  UpstreamSource t("b", 2, 0);
  poll_to_the_longest(t);
  ASSERT_EQ(t.poll_log2(), kMaxPollLog2);
  t.correct_beneath(Beneath::Temperature);
  EXPECT_EQ(t.poll_log2(), kSensorMaxPollLog2);
  UpstreamSource u("c", 3, 0);
  u.correct_beneath(Beneath::Temperature);
  u.correct_beneath(Beneath::Pulse);
  poll_to_the_longest(u);
  EXPECT_EQ(u.poll_log2(), kMaxPollLog2);
}

// A lost reply is asked again sooner only where the next poll at the interval would leave the
// newest sample older than --max-age: at 1024 s polls one lost reply does.  The retries come evenly
// in the time left, the last a second before the sample would pass it.
TEST(Upstream, ALostReplyIsAskedAgainSoonerToKeepTheSampleWithinMaxAge) {
  UpstreamSource s("a", 1, 0);
  int64_t t = poll_to_the_longest(s);
  ASSERT_EQ(s.poll_log2(), kMaxPollLog2);
  ASSERT_EQ(kLostReplyRetries, 5);
  s.on_transmit(t);
  s.on_sample(sample(kT0 + t, 0));  // answered: the full interval
  EXPECT_EQ(s.next_poll_ns(), t + 1024 * kS);
  t += 1024 * kS;
  s.on_transmit(t);  // lost: the next poll at the interval would find the sample 2048 s old
  EXPECT_EQ(s.next_poll_ns(), t + 155 * kS);  // 775 s left: five retries 155 s apart
  s.on_sample(sample(kT0 + t, 0));            // it came: the full interval
  EXPECT_EQ(s.next_poll_ns(), t + 1024 * kS);
  // Lost again and again: five retries, the last 1799 s after the newest sample, then the interval.
  int64_t answered = t;
  t += 1024 * kS;
  s.on_transmit(t);
  for (int i = 0; i < kLostReplyRetries; ++i) {
    t = s.next_poll_ns();
    s.on_transmit(t);
  }
  EXPECT_EQ(t, answered + 1799 * kS);
  EXPECT_EQ(s.next_poll_ns(), t + 1024 * kS);
  // The retries are not polls of the reach register: six requests unanswered, one poll.
  EXPECT_EQ(s.reach(), 0b1111'1110);
  // A poll stretched to 1044 s (kPollRandomness) and lost: the retries close up a little, so that
  // the last still comes a second before the sample's 30 min, not after.
  s.on_sample(sample(kT0 + t, 0));  // the reply to the retry at t came
  answered = t;
  t += 1044 * kS;
  s.on_transmit(t);
  for (int i = 0; i < kLostReplyRetries; ++i) {
    t = s.next_poll_ns();
    s.on_transmit(t);
  }
  EXPECT_EQ(t, answered + 1799 * kS);
  // Unreachable (eight polls unanswered): no retry.
  for (int i = 0; i < 8; ++i) s.on_transmit(t += kS);
  EXPECT_FALSE(s.reachable());
  EXPECT_EQ(s.next_poll_ns(), t + 1024 * kS);
}

TEST(Upstream, ALostReplyIsNotAskedAgainWhereTheIntervalKeepsTheSampleWithinMaxAge) {
  UpstreamSource s("a", 1, 0, 9);  // 512 s polls at most
  int64_t t = poll_to_the_longest(s);
  ASSERT_EQ(s.poll_log2(), 9);
  s.on_transmit(t);
  s.on_sample(sample(kT0 + t, 0));
  int64_t answered = t;
  t += 512 * kS;
  s.on_transmit(t);  // lost: the next poll at the interval comes 1024 s after the sample
  EXPECT_EQ(s.next_poll_ns(), t + 512 * kS);
  t += 512 * kS;
  s.on_transmit(t);  // and again, 1536 s
  EXPECT_EQ(s.next_poll_ns(), t + 512 * kS);
  t += 512 * kS;
  s.on_transmit(t);  // a third time: 2048 s would be past 30 min: three retries left in 263 s
  EXPECT_EQ(s.next_poll_ns(), t + 263 * kS / 3);
  // A shorter --max-age (20 min): retried sooner.  Four retries left in 175 s come no closer than
  // the shortest poll, 64 s; those after the sample passed it, a quarter of the interval apart.
  s.set_max_age(1200 * kS);
  s.on_sample(sample(kT0 + t, 0));
  answered = t;
  t += 512 * kS;
  s.on_transmit(t);
  EXPECT_EQ(s.next_poll_ns(), t + 512 * kS);  // 1024 s after the sample
  t += 512 * kS;
  s.on_transmit(t);  // 1536 s would be past 1200 s
  std::vector<int64_t> gaps;
  for (int i = 0; i < 5; ++i) {
    gaps.push_back((s.next_poll_ns() - t) / kS);
    t = s.next_poll_ns();
    s.on_transmit(t);
  }
  EXPECT_EQ(gaps, (std::vector<int64_t>{64, 64, 64, 128, 512}));
  EXPECT_EQ(t, answered + (1024 + 64 * 3 + 128 + 512) * kS);
}

// A sample already past --max-age (the poll longer than it, or every answer since a falseticker's):
// the retries stay a quarter of the interval apart, not the shortest.
TEST(Upstream, ARetryPastMaxAgeComesAQuarterOfTheIntervalLater) {
  UpstreamSource s("a", 1, 0);
  s.set_max_age(600 * kS);
  int64_t t = poll_to_the_longest(s);
  s.on_transmit(t);
  s.on_sample(sample(kT0 + t, 0));
  t += 1024 * kS;
  s.on_transmit(t);  // lost, 1024 s after the sample: 600 s passed already
  EXPECT_EQ(s.next_poll_ns(), t + 256 * kS);
}

// A retry is a request sooner than its interval: the intervals after it are longer by what it
// took (half an interval at most, and no longer than --max-age leaves room for), so that a server
// is asked no more often than once an interval, as chronyd asks it.
TEST(Upstream, ARetryIsMadeUpForByTheNextIntervals) {
  uint8_t buf[128];
  UpstreamSource s("a", 1, 0);
  poll_to_the_longest(s);
  int64_t t = s.next_poll_ns();
  s.poll(t, 1, buf, sizeof(buf));
  s.on_sample(sample(kT0 + t, 0));
  EXPECT_EQ(s.next_poll_ns(), t + 1024 * kS);  // nothing owed
  int64_t lost = t += 1024 * kS;
  s.poll(t, 2, buf, sizeof(buf));  // lost: retried 155 s later
  EXPECT_EQ(s.next_poll_ns(), t + 155 * kS);
  t += 155 * kS;
  s.poll(t, 3, buf, sizeof(buf));  // 869 s sooner than its interval: 0.85 of a request owed
  s.on_sample(sample(kT0 + t, 0));
  // 455 s made up, not half an interval: the next poll then comes 1479 s after the sample, which
  // leaves five retries at the shortest poll before it is 30 min old (1800 s - 1 s - 5 x 64 s).
  EXPECT_EQ(s.next_poll_ns(), t + (1024 + 455) * kS);
  t += (1024 + 455) * kS;
  s.poll(t, 4, buf, sizeof(buf));
  s.on_sample(sample(kT0 + t, 0));
  EXPECT_EQ(s.next_poll_ns(), t + (1024 + 414) * kS);  // the rest
  t += (1024 + 414) * kS;
  s.poll(t, 5, buf, sizeof(buf));
  s.on_sample(sample(kT0 + t, 0));
  EXPECT_EQ(s.next_poll_ns(), t + 1024 * kS);
  EXPECT_EQ(s.next_poll_ns() - lost, 4 * 1024 * kS);  // four requests in four intervals
  // Under a 25 min --max-age: 1500 s - 1 s - 5 x 64 s - 1024 s = 155 s made up.
  s.set_max_age(1500 * kS);
  t = s.next_poll_ns();
  s.poll(t, 6, buf, sizeof(buf));  // lost
  t = s.next_poll_ns();
  s.poll(t, 7, buf, sizeof(buf));
  s.on_sample(sample(kT0 + t, 0));
  EXPECT_EQ(s.next_poll_ns(), t + (1024 + 155) * kS);
}

// A server that loses most replies for hours owes at most kReachPolls requests: once it answers
// again, its intervals are back to the poll after as many longer ones as those make up, not after
// as many as its retries would have piled up.
TEST(Upstream, AtMostEightRequestsAreOwed) {
  uint8_t buf[128];
  UpstreamSource s("a", 1, 0);
  poll_to_the_longest(s);
  uint64_t cookie = 1;
  for (int cycle = 0; cycle < 20; ++cycle) {
    int64_t t = s.next_poll_ns();
    s.poll(t, cookie++, buf, sizeof(buf));
    s.on_sample(sample(kT0 + t, 0));
    for (int lost = 0; lost <= kLostReplyRetries; ++lost)
      s.poll(s.next_poll_ns(), cookie++, buf, sizeof(buf));
  }
  int longer = 0;
  for (int i = 0; i < 40; ++i) {
    int64_t t = s.next_poll_ns();
    s.poll(t, cookie++, buf, sizeof(buf));
    s.on_sample(sample(kT0 + t, 0));
    if (s.next_poll_ns() - t > 1024 * kS) ++longer;
  }
  // Each longer interval makes up 455 s (the room five retries leave, see above): 8 requests in 18.
  EXPECT_EQ(longer, (kReachPolls * 1024 + 454) / 455);
}

// chronyd's SAMPLING_RANDOMNESS: Pis powered on together drift apart instead of polling in step.
TEST(Upstream, TheIntervalIsStretchedByUpToTwoPercentAtRandom) {
  uint8_t buf[128];
  for (double spread : {0.0, 0.5, 0.999}) {
    UpstreamSource s("a", 1, 0);
    poll_to_the_longest(s);
    int64_t t = s.next_poll_ns();
    s.poll(t, 1, buf, sizeof(buf), spread);
    s.on_sample(sample(kT0 + t, 0));
    int64_t stretched = std::llround(1024e9 * kPollRandomness * spread);
    EXPECT_EQ(s.next_poll_ns(), t + 1024 * kS + stretched);
    EXPECT_LT(stretched, 21 * kS);  // at most 2 % of 1024 s
  }
}

TEST(Upstream, ASilentServerIsPolledEverLessOften) {
  UpstreamSource s("a", 1, 0);
  int64_t t = 0;
  for (int i = 0; i < kReachPolls - 1; ++i) s.on_transmit(t += kS);  // the burst, then polls
  EXPECT_EQ(s.poll_log2(), kMinPollLog2);
  s.on_transmit(t += kS);  // the eighth poll unanswered: silent
  EXPECT_TRUE(s.silent());
  EXPECT_EQ(s.next_poll_ns(), t + 128 * kS);
  for (int i = 0; i < 10; ++i) s.on_transmit(t += kS);
  EXPECT_EQ(s.next_poll_ns(), t + 1024 * kS);  // up to the longest
  s.on_sample(sample(kT0, 0));                 // back: from the shortest again
  EXPECT_EQ(s.poll_log2(), kMinPollLog2);
  EXPECT_EQ(s.next_poll_ns(), t + 64 * kS);
}

TEST(Upstream, RateKissSlowsDown) {
  UpstreamSource s("a", 1, 0);
  s.on_rate_kiss(100);
  EXPECT_EQ(s.poll_log2(), kMinPollLog2 + 1);
  EXPECT_EQ(s.next_poll_ns(), 100 + 128 * kS);
}

TEST(Upstream, StepShiftsStoredSamples) {
  UpstreamSource s("a", 1, 0);
  s.on_transmit(0);
  s.on_sample(sample(kT0, 2500 * kMs));
  s.apply_step(2500 * kMs);
  EXPECT_EQ(s.best()->sample.offset_ns, 0);
  EXPECT_EQ(s.best()->time_ns, kT0 + 2500 * kMs);
}

TEST(Upstream, SelectionPicksTheClosestTruechimerAsSystemPeer) {
  std::vector<UpstreamSource> v;
  v.emplace_back("a", 0x0A000001, 0);
  v.emplace_back("b", 0x0A000002, 0);
  v.emplace_back("c", 0x0A000003, 0);
  for (auto& s : v) s.on_transmit(0);
  v[0].on_sample(sample(kT0, 1 * kMs, 8 * kMs));
  v[1].on_sample(sample(kT0, 2 * kMs, 1 * kMs, 3));
  v[2].on_sample(sample(kT0, 3600 * kS));  // an hour off
  UpstreamSelection sel = select_upstreams(v, kT0 + kS);
  ASSERT_TRUE(sel.ok);
  EXPECT_TRUE(sel.truechimer[0]);
  EXPECT_TRUE(sel.truechimer[1]);
  EXPECT_FALSE(sel.truechimer[2]);
  EXPECT_EQ(sel.system_peer, 1u);  // least delay, so least root distance
  EXPECT_EQ(sel.reference.stratum, 3);
  EXPECT_EQ(sel.reference.refid, 0x0A000002u);
  EXPECT_EQ(sel.reference.root_delay_ns, 10 * kMs + 1 * kMs);
  EXPECT_GE(sel.offset_ns, 1 * kMs);
  EXPECT_LE(sel.offset_ns, 2 * kMs);
}

// At a 1024 s poll the least-delayed of the last eight samples may be two hours old: the
// reference is as of the update (else it outlives --max-age between updates and sntpd drops a
// server it follows), and its root distance from the newest sample (else 15 ppm of two hours
// widens it by 108 ms, and a falseticker 50 ms off joins the truechimers).
TEST(Upstream, ReferenceAndDistanceAreAsOfTheNewestSample) {
  std::vector<UpstreamSource> v = polled_sources(1);
  v[0].on_sample(sample(kT0, 0, 1 * kMs));
  int64_t now = kT0 + 2 * 3600 * kS;
  v[0].on_sample(sample(now, 0, 9 * kMs));
  UpstreamSelection sel = select_upstreams(v, now);
  ASSERT_TRUE(sel.ok);
  EXPECT_EQ(sel.reference.update_ns, now);
  EXPECT_EQ(sel.reference.root_delay_ns, 10 * kMs + 9 * kMs);
  EXPECT_LT(v[0].root_distance_ns(now), 20 * kMs);
  EXPECT_GE(sel.reference.root_dispersion_ns, 1 * kMs);  // the server's own
  // An hour later, without a sample: 15 ppm of it more.
  EXPECT_GE(v[0].root_distance_ns(now + 3600 * kS), v[0].root_distance_ns(now) + 3600 * 15'000);
}

// chronyd's combine_sources: the truechimers' frequency errors, each weighted by 1 / its standard error^2.
TEST(Upstream, TheFrequencyIsTheTruechimersLinesTogether) {
  std::vector<UpstreamSource> v = polled_sources(3);
  EXPECT_FALSE(combine_truechimers(v, {true, true, true}, 0, kT0).has_value());  // no line yet
  // a: +1 ppm, b: +3 ppm over the same noise; c far off, and no truechimer.
  for (int i = 0; i < 20; ++i) {
    int64_t t = kT0 + i * 64 * kS;
    int64_t noise = (i % 2) ? 20'000 : -20'000;
    v[0].on_sample(sample(t, i * 64 * 1'000 + noise));
    v[1].on_sample(sample(t, i * 64 * 3'000 + noise));
    v[2].on_sample(sample(t, i * 64 * 50'000 + noise));
  }
  auto f = combine_truechimers(v, {true, true, false}, 0, kT0 + 19 * 64 * kS);
  ASSERT_TRUE(f.has_value());
  EXPECT_NEAR(f->freq_ppm, 2.0, 0.2);                 // equal skews: the mean
  EXPECT_LT(f->skew_ppm, v[0].estimate()->skew_ppm);  // two lines know it better than one
  EXPECT_NEAR(combine_truechimers(v, {true, false, false}, 0, kT0 + 19 * 64 * kS)->freq_ppm, 1.0, 0.1);
}

// The offset's error with two lines: each one's own, and how far it is from the system peer's.
TEST(Upstream, TheOffsetErrorCountsTheSpreadBetweenTruechimers) {
  std::vector<UpstreamSource> v = polled_sources(2);
  for (int i = 0; i < 20; ++i) {
    int64_t t = kT0 + i * 64 * kS;
    int64_t noise = (i % 2) ? 20'000 : -20'000;
    v[0].on_sample(sample(t, noise));
    v[1].on_sample(sample(t, 2 * kMs + noise));  // 2 ms from a, within both intervals
  }
  int64_t now = kT0 + 19 * 64 * kS;
  auto alone = combine_truechimers(v, {true, false}, 0, now);
  auto both = combine_truechimers(v, {true, true}, 0, now);
  ASSERT_TRUE(alone && both);
  EXPECT_EQ(alone->offset_sd_ns, v[0].estimate()->offset_sd_ns);
  EXPECT_GT(both->offset_sd_ns, 1 * kMs / 2);  // equal weights: sqrt of half of 2 ms squared
  EXPECT_LT(both->offset_sd_ns, 2 * kMs);
}

// Two good servers polled in turn: the newest sample has the least root distance, so the least
// distance alone would hand the system peer (and the refid served) over at each reply.  The peer
// stays unless the other is closer for long (chronyd's score), and goes when it is no truechimer.
TEST(Upstream, TheSystemPeerStaysUntilAnotherIsCloserForLong) {
  std::vector<UpstreamSource> v = polled_sources(3);
  PeerChoice choice;
  std::vector<size_t> peers;
  for (int i = 0; i < 16; ++i) {
    int64_t t = kT0 + i * 512 * kS;
    size_t k = static_cast<size_t>(i % 2);
    v[k].on_transmit(t);
    v[k].on_sample(sample(t, (i % 4 < 2) ? 100'000 : -100'000));
    UpstreamSelection sel = select_upstreams(v, t);
    ASSERT_TRUE(sel.ok);
    EXPECT_EQ(sel.system_peer, k);  // the least distance: the one that just answered
    choice.choose(sel, v, t, k);
    peers.push_back(sel.system_peer);
    EXPECT_EQ(sel.reference.refid, v[sel.system_peer].refid());
  }
  EXPECT_EQ(std::count(peers.begin(), peers.end(), peers.front()), 16);

  // c answers with a quarter of the delay from now on: its score passes the limit, and it takes over.
  size_t took_over = 0;
  for (int i = 16; i < 40 && took_over == 0; ++i) {
    int64_t t = kT0 + i * 512 * kS;
    v[2].on_transmit(t);
    v[2].on_sample(sample(t, 0, kMs / 4));
    UpstreamSelection sel = select_upstreams(v, t);
    choice.choose(sel, v, t, 2);
    if (sel.system_peer == 2) took_over = static_cast<size_t>(i);
  }
  EXPECT_GT(took_over, 16u);  // not at its first sample

  // The peer an hour off: no truechimer, so the choice goes to the least distance at once.
  int64_t t = kT0 + 41 * 512 * kS;
  v[2].on_transmit(t);
  v[2].on_sample(sample(t, 3600 * kS));
  UpstreamSelection sel = select_upstreams(v, t);
  choice.choose(sel, v, t, 2);
  ASSERT_TRUE(sel.ok);
  EXPECT_NE(sel.system_peer, 2u);
}

TEST(Upstream, NoSamplesNoSelection) {
  std::vector<UpstreamSource> v;
  v.emplace_back("a", 1, 0);
  EXPECT_FALSE(select_upstreams(v, kT0).ok);
}

TEST(Upstream, RateKissDoublesThePollUpToTheMaximum) {
  UpstreamSource s("a", 1, 0);
  for (int i = 0; i < 10; ++i) s.on_rate_kiss(i);
  EXPECT_EQ(s.poll_log2(), kMaxPollLog2);
  EXPECT_EQ(s.next_poll_ns(), 9 + (int64_t{1} << kMaxPollLog2) * kS);
  EXPECT_FALSE(s.stopped());
}

TEST(Upstream, DenyKissStopsThePolls) {
  UpstreamSource s("a", 1, 0);
  s.on_transmit(0);
  s.on_sample(sample(kT0, 1 * kMs));
  s.on_deny_kiss();
  EXPECT_TRUE(s.stopped());
  EXPECT_EQ(s.next_poll_ns(), INT64_MAX);
  EXPECT_FALSE(s.best().has_value());
  std::vector<UpstreamSource> v{s};
  EXPECT_FALSE(select_upstreams(v, kT0).ok);
}

TEST(Upstream, SamplesAreConsistentWhenTheirIntervalsOverlap) {
  // Each interval: (10 ms root delay + 2 ms delay) / 2 + 1 ms root dispersion, about ±7 ms.
  EXPECT_TRUE(samples_consistent(sample(kT0, 0), sample(kT0 + 2 * kS, 13 * kMs)));
  EXPECT_FALSE(samples_consistent(sample(kT0, 0), sample(kT0 + 2 * kS, 15 * kMs)));
  EXPECT_FALSE(samples_consistent(sample(kT0, 0), sample(kT0 + 2 * kS, 365 * 86400 * kS)));
  // Within the LAN noise floor (±5 ms each) even with tiny distances.
  UpstreamSample a = sample(kT0, 0, 0);
  UpstreamSample b = sample(kT0, 9 * kMs, 0);
  a.root_delay_ns = b.root_delay_ns = 0;
  a.root_dispersion_ns = b.root_dispersion_ns = 0;
  EXPECT_TRUE(samples_consistent(a, b));
}

constexpr SampleRules kBeforeSync{false, kDefaultMaxChangeNs};
constexpr SampleRules kAfterSync{true, kDefaultMaxChangeNs};

TEST(Upstream, FirstSyncWaitsForThreeConsistentSamples) {
  std::vector<UpstreamSource> v;
  v.emplace_back("a", 1, 0);
  v[0].on_transmit(0);
  SelectRules first{true, 1};
  EXPECT_EQ(v[0].on_sample(sample(kT0, 2 * kMs), kBeforeSync), SampleVerdict::Used);
  EXPECT_FALSE(select_upstreams(v, kT0, first).ok);
  EXPECT_EQ(v[0].on_sample(sample(kT0 + 2 * kS, 3 * kMs), kBeforeSync), SampleVerdict::Used);
  EXPECT_FALSE(select_upstreams(v, kT0 + 2 * kS, first).ok);
  EXPECT_EQ(v[0].on_sample(sample(kT0 + 4 * kS, 1 * kMs), kBeforeSync), SampleVerdict::Used);
  EXPECT_TRUE(v[0].agreed());
  UpstreamSelection sel = select_upstreams(v, kT0 + 4 * kS, first);
  ASSERT_TRUE(sel.ok);
  EXPECT_LE(sel.offset_ns, 3 * kMs);
}

TEST(Upstream, AYearOffFirstSampleAloneMovesNothing) {
  std::vector<UpstreamSource> v;
  v.emplace_back("a", 1, 0);
  v[0].on_transmit(0);
  SelectRules first{true, 1};
  constexpr int64_t kYear = 365 * 86400 * kS;
  // The forged sample has the least delay: the filter would have preferred it.
  EXPECT_EQ(v[0].on_sample(sample(kT0, kYear, 1 * kMs), kBeforeSync), SampleVerdict::Used);
  EXPECT_EQ(v[0].on_sample(sample(kT0 + 2 * kS, 1 * kMs), kBeforeSync), SampleVerdict::Restarted);
  EXPECT_EQ(v[0].on_sample(sample(kT0 + 4 * kS, 2 * kMs), kBeforeSync), SampleVerdict::Used);
  EXPECT_FALSE(select_upstreams(v, kT0 + 4 * kS, first).ok);
  EXPECT_EQ(v[0].on_sample(sample(kT0 + 6 * kS, 1 * kMs), kBeforeSync), SampleVerdict::Used);
  UpstreamSelection sel = select_upstreams(v, kT0 + 6 * kS, first);
  ASSERT_TRUE(sel.ok);
  EXPECT_LE(sel.offset_ns, 2 * kMs);
  // Alternating lies never gather three: no first sync at all.
  UpstreamSource liar("b", 2, 0);
  liar.on_transmit(0);
  for (int i = 0; i < 20; ++i) liar.on_sample(sample(kT0 + i * kS, (i % 2) * kYear), kBeforeSync);
  EXPECT_FALSE(liar.agreed());
}

// Three consistent samples of offset from source s, a second apart: it agreed().
void agree(UpstreamSource& s, int64_t offset) {
  for (int k = 0; k < 3; ++k) s.on_sample(sample(kT0 + k * kS, offset), kBeforeSync);
}

constexpr SelectRules kFirst{true, 1};

TEST(Upstream, FirstSyncNeedsAMajorityOfTheReachableServers) {
  std::vector<UpstreamSource> v = polled_sources(3);
  agree(v[0], 1 * kMs);
  v[1].on_sample(sample(kT0, 2 * kMs), kBeforeSync);  // answers, not agreed yet
  v[2].on_sample(sample(kT0, 2 * kMs), kBeforeSync);
  // One agreed of three reachable: not a majority, however consistent.
  UpstreamSelection sel = select_upstreams(v, kT0 + 3 * kS, kFirst);
  EXPECT_FALSE(sel.ok);
  EXPECT_EQ(sel.problem, SelectProblem::NoMajority);
  EXPECT_EQ(sel.reachable, 3u);
  EXPECT_EQ(sel.truechimers, 1u);
  // A second one an hour away: the two do not agree.
  agree(v[1], 3600 * kS);
  EXPECT_FALSE(select_upstreams(v, kT0 + 3 * kS, kFirst).ok);
  // The third agrees with the first: two of three.
  agree(v[2], 2 * kMs);
  sel = select_upstreams(v, kT0 + 3 * kS, kFirst);
  ASSERT_TRUE(sel.ok);
  EXPECT_EQ(sel.problem, SelectProblem::None);
  EXPECT_TRUE(sel.truechimer[0]);
  EXPECT_FALSE(sel.truechimer[1]);
  EXPECT_TRUE(sel.truechimer[2]);
  EXPECT_EQ(sel.truechimers, 2u);
}

TEST(Upstream, ASilentServerDoesNotBlockTheFirstSync) {
  // Two configured, one never answers: it is unreachable from the start, so the other is a majority alone.
  std::vector<UpstreamSource> v = polled_sources(2);
  EXPECT_FALSE(v[1].reachable());
  UpstreamSelection sel = select_upstreams(v, kT0, kFirst);
  EXPECT_EQ(sel.problem, SelectProblem::NoneReachable);
  v[0].on_sample(sample(kT0, 1 * kMs), kBeforeSync);
  sel = select_upstreams(v, kT0, kFirst);
  EXPECT_EQ(sel.problem, SelectProblem::NoCandidates);  // reachable, but three samples are needed first
  EXPECT_EQ(sel.reachable, 1u);
  agree(v[0], 1 * kMs);
  sel = select_upstreams(v, kT0 + 3 * kS, kFirst);
  ASSERT_TRUE(sel.ok);
  EXPECT_EQ(sel.system_peer, 0u);
  EXPECT_EQ(sel.reachable, 1u);
  EXPECT_EQ(sel.reference.name, "a");
  // A server that answered once counts while one of its last 8 polls was answered, and blocks meanwhile.
  v[1].on_sample(sample(kT0, 1 * kMs), kBeforeSync);
  EXPECT_FALSE(select_upstreams(v, kT0 + 3 * kS, kFirst).ok);
  for (int i = 1; i < 8; ++i) v[1].on_transmit(i);
  EXPECT_TRUE(v[1].reachable());
  EXPECT_FALSE(select_upstreams(v, kT0 + 3 * kS, kFirst).ok);
  v[1].on_transmit(8);  // the 8th poll in a row without a reply
  EXPECT_FALSE(v[1].reachable());
  EXPECT_TRUE(select_upstreams(v, kT0 + 3 * kS, kFirst).ok);
}

// As in chronyd, a server that stopped answering still counts while its newest sample is no older
// than the oldest of a reachable server's line; once that line has moved past it, it is stale.
TEST(Upstream, ASilentServerCountsUntilTheOthersLinesMovePastIt) {
  std::vector<UpstreamSource> v = polled_sources(2);
  agree(v[0], 1 * kMs);
  agree(v[1], 1 * kMs);
  SelectRules rules{false, 2};  // after the first sync, --min-sources 2
  ASSERT_TRUE(select_upstreams(v, kT0 + 3 * kS, rules).ok);
  for (int i = 1; i <= 8; ++i) v[1].on_transmit(i);
  EXPECT_FALSE(v[1].reachable());
  UpstreamSelection sel = select_upstreams(v, kT0 + 3 * kS, rules);
  EXPECT_TRUE(sel.ok);  // its last sample (kT0 + 2 s) is within a's line (from kT0)
  EXPECT_EQ(sel.reachable, 1u);
  EXPECT_EQ(sel.truechimers, 2u);
  // a answers on, a sample a minute: its line (kMaxStatSamples at most) leaves b's last behind.
  int64_t t = kT0 + 3 * kS;
  for (size_t i = 0; i < kMaxStatSamples; ++i) {
    t += 60 * kS;
    v[0].on_transmit(t);
    v[0].on_sample(sample(t, 1 * kMs), {true, kDefaultMaxChangeNs});
  }
  ASSERT_GT(v[0].estimate()->first_time_ns, kT0 + 2 * kS);
  sel = select_upstreams(v, t, rules);
  EXPECT_FALSE(sel.ok);
  EXPECT_EQ(sel.problem, SelectProblem::BelowMinSources);
  EXPECT_EQ(sel.truechimers, 1u);
  // Its next reply makes it reachable, and its samples count again.
  v[1].on_transmit(t);
  v[1].on_sample(sample(t, 1 * kMs), {true, kDefaultMaxChangeNs});
  EXPECT_TRUE(v[1].reachable());
  sel = select_upstreams(v, t, rules);
  EXPECT_TRUE(sel.ok);
  EXPECT_EQ(sel.truechimers, 2u);
}

// A receiver's time while its pulse answers (noselect): neither a candidate nor a voter, so that
// the pulse and a server are one voice each, not two against one.
TEST(Upstream, ANoselectSourceNeitherVotesNorIsSelected) {
  std::vector<UpstreamSource> v = polled_sources(3);
  agree(v[0], 1 * kMs);           // a server
  agree(v[1], 1 * kMs + 1 * kS);  // a pulse, a second off
  agree(v[2], 1 * kMs + 1 * kS);  // its receiver's time, the same second
  UpstreamSelection sel = select_upstreams(v, kT0 + 3 * kS, kFirst);
  ASSERT_TRUE(sel.ok);  // two against one: the wrong second wins
  EXPECT_EQ(sel.truechimers, 2u);
  v[2].set_noselect(true);
  sel = select_upstreams(v, kT0 + 3 * kS, kFirst);
  EXPECT_FALSE(sel.ok);
  EXPECT_EQ(sel.problem, SelectProblem::NoMajority);
  EXPECT_EQ(sel.reachable, 2u);  // the receiver does not count
  EXPECT_EQ(sel.candidates, 2u);
}

// With no server reachable there is no line to hold a silent one against: nothing is selected.
TEST(Upstream, NoServerReachableSelectsNone) {
  std::vector<UpstreamSource> v = polled_sources(1);
  agree(v[0], 1 * kMs);
  ASSERT_TRUE(select_upstreams(v, kT0 + 3 * kS).ok);
  for (int i = 1; i <= 8; ++i) v[0].on_transmit(i);
  UpstreamSelection sel = select_upstreams(v, kT0 + 3 * kS);
  EXPECT_FALSE(sel.ok);
  EXPECT_EQ(sel.problem, SelectProblem::NoneReachable);
}

TEST(Upstream, OneSilentAfterTheSyncTheOtherIsStillFollowed) {
  std::vector<UpstreamSource> v = polled_sources(2);
  agree(v[0], 1 * kMs);
  agree(v[1], 1 * kMs);
  ASSERT_TRUE(select_upstreams(v, kT0 + 3 * kS, kFirst).ok);
  for (int i = 1; i <= 8; ++i) {
    v[0].on_transmit(i);
    v[1].on_transmit(i);
    v[0].on_sample(sample(kT0 + (3 + i) * kS, 2 * kMs), {true, kDefaultMaxChangeNs});
    UpstreamSelection sel = select_upstreams(v, kT0 + (3 + i) * kS);
    ASSERT_TRUE(sel.ok) << "poll " << i;
    EXPECT_TRUE(sel.truechimer[0]);
    EXPECT_EQ(sel.truechimer[1], i < 8) << "poll " << i;  // counted until its 8th unanswered poll
  }
}

TEST(Upstream, TwoReachableServersThatDisagreeGiveNoCorrection) {
  std::vector<UpstreamSource> v = polled_sources(2);
  agree(v[0], 1 * kMs);
  agree(v[1], 3600 * kS);
  for (SelectRules rules : {kFirst, SelectRules{false, 1}}) {
    UpstreamSelection sel = select_upstreams(v, kT0 + 3 * kS, rules);
    EXPECT_FALSE(sel.ok);
    EXPECT_EQ(sel.problem, SelectProblem::NoMajority);
    EXPECT_EQ(sel.candidates, 2u);
    EXPECT_EQ(sel.truechimers, 0u);
  }
}

TEST(Upstream, MinSourcesCountsTheAgreeingReachableServers) {
  std::vector<UpstreamSource> v = polled_sources(3);
  agree(v[0], 1 * kMs);
  // --min-sources 2, one server answering: no correction, whatever the majority says.
  UpstreamSelection sel = select_upstreams(v, kT0 + 3 * kS, {true, 2});
  EXPECT_FALSE(sel.ok);
  EXPECT_EQ(sel.problem, SelectProblem::BelowMinSources);
  EXPECT_EQ(sel.truechimers, 1u);
  EXPECT_TRUE(select_upstreams(v, kT0 + 3 * kS, {true, 1}).ok);
  // A second reachable server an hour away agrees with nobody: still too few (and no majority).
  agree(v[1], 3600 * kS);
  EXPECT_FALSE(select_upstreams(v, kT0 + 3 * kS, {true, 2}).ok);
  // A third that agrees with the first: two agree, enough for 2, not for 3.
  agree(v[2], 2 * kMs);
  EXPECT_TRUE(select_upstreams(v, kT0 + 3 * kS, {true, 2}).ok);
  sel = select_upstreams(v, kT0 + 3 * kS, {true, 3});
  EXPECT_FALSE(sel.ok);
  EXPECT_EQ(sel.problem, SelectProblem::BelowMinSources);
  // A stopped server (DENY) is not reachable and not counted.
  v[1].on_deny_kiss();
  EXPECT_FALSE(v[1].reachable());
  EXPECT_EQ(select_upstreams(v, kT0 + 3 * kS, {true, 2}).reachable, 2u);
}

TEST(Upstream, MaxPollShortensThePolls) {
  UpstreamSource s("a", 1, 0, 0);
  EXPECT_EQ(s.poll_log2(), 0);
  int64_t t = 0;
  for (int i = 0; i < kBurstSamples; ++i) {
    s.on_transmit(t);
    t = s.next_poll_ns();
  }
  s.on_transmit(t);
  EXPECT_EQ(s.next_poll_ns(), t + 1 * kS);
  s.on_rate_kiss(t);  // RATE cannot take it past the longest interval either
  EXPECT_EQ(s.poll_log2(), 0);
  UpstreamSource b("b", 2, 0, 8);
  EXPECT_EQ(b.poll_log2(), kMinPollLog2);
  for (int i = 0; i < 10; ++i) b.on_rate_kiss(0);
  EXPECT_EQ(b.poll_log2(), 8);
}

TEST(Upstream, BeyondMaxChangeIsNotUsedAndThreeInARowMakeAFalseticker) {
  std::vector<UpstreamSource> v;
  v.emplace_back("a", 1, 0);
  v[0].on_transmit(0);
  v[0].on_sample(sample(kT0, 1 * kMs), kAfterSync);
  constexpr int64_t kHour = 3600 * kS;
  EXPECT_EQ(v[0].on_sample(sample(kT0 + 64 * kS, kHour, 1 * kMs), kAfterSync),
            SampleVerdict::BeyondMaxChange);
  EXPECT_EQ(v[0].best()->sample.offset_ns, 1 * kMs);  // not in the filter
  EXPECT_EQ(v[0].on_sample(sample(kT0 + 128 * kS, kHour), kAfterSync), SampleVerdict::BeyondMaxChange);
  // One within the limit breaks the run.
  EXPECT_EQ(v[0].on_sample(sample(kT0 + 192 * kS, 1 * kMs), kAfterSync), SampleVerdict::Used);
  EXPECT_EQ(v[0].strikes(), 0);
  for (int i = 1; i < kMaxChangeStrikes; ++i) {
    EXPECT_EQ(v[0].on_sample(sample(kT0 + (192 + 64 * i) * kS, -kHour), kAfterSync),
              SampleVerdict::BeyondMaxChange);
  }
  EXPECT_EQ(v[0].on_sample(sample(kT0 + 448 * kS, -kHour), kAfterSync), SampleVerdict::Falseticker);
  EXPECT_TRUE(v[0].falseticker());
  EXPECT_FALSE(select_upstreams(v, kT0 + 448 * kS).ok);  // not followed
  EXPECT_EQ(v[0].on_sample(sample(kT0 + 512 * kS, -kHour), kAfterSync), SampleVerdict::BeyondMaxChange);
  EXPECT_TRUE(v[0].falseticker());
  // Back within the limit: followed again.
  EXPECT_EQ(v[0].on_sample(sample(kT0 + 576 * kS, 2 * kMs), kAfterSync), SampleVerdict::Used);
  EXPECT_FALSE(v[0].falseticker());
  EXPECT_TRUE(select_upstreams(v, kT0 + 576 * kS).ok);
}

TEST(Upstream, MaxChangeZeroAndTheDefaultRulesUseEverySample) {
  UpstreamSource s("a", 1, 0);
  s.on_transmit(0);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(s.on_sample(sample(kT0 + i * kS, 3600 * kS), {true, 0}), SampleVerdict::Used);
  EXPECT_EQ(s.on_sample(sample(kT0 + 9 * kS, -3600 * kS)), SampleVerdict::Used);
  EXPECT_FALSE(s.falseticker());
}

TEST(Upstream, CorrectionsMoveTheSamples) {
  UpstreamSource s("a", 1, 0);
  s.on_transmit(0);
  for (int i = 0; i < 4; ++i) s.on_sample(sample(kT0 + i * kS, 10 * kMs));
  ASSERT_TRUE(s.estimate().has_value());
  EXPECT_NEAR(static_cast<double>(s.estimate()->offset_ns), 10.0 * kMs, 1000);
  // The offset taken on, and the clock made 100 ppm faster from the last sample on.
  s.apply_correction({kT0 + 3 * kS, 100, 10 * kMs});
  EXPECT_NEAR(static_cast<double>(s.estimate()->offset_ns), 0, 1000);
  EXPECT_NEAR(s.estimate()->freq_ppm, -100, 0.01);  // the samples before it now show us running fast
  EXPECT_NEAR(static_cast<double>(s.best()->sample.offset_ns), 300'000, 1000);  // the oldest: 3 s at 100 ppm
}

}  // namespace
}  // namespace lansync::core
