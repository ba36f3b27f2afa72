// Unit tests of the client table and the rate limiter (core/clients).
#include <gtest/gtest.h>

#include "../support/seed.hpp"
#include "core/clients.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kT0 = 1'795'000'000 * kS;

IpAddress v4(uint32_t n) {
  IpAddress a;
  a.family = 4;
  a.bytes[0] = static_cast<uint8_t>(n >> 24);
  a.bytes[1] = static_cast<uint8_t>(n >> 16);
  a.bytes[2] = static_cast<uint8_t>(n >> 8);
  a.bytes[3] = static_cast<uint8_t>(n);
  return a;
}

TEST(ClientTable, FindsWhatItAdded) {
  ClientTable t(64, 1);
  ClientRecord* a = t.find_or_add(v4(1), kT0);
  a->requests = 5;
  EXPECT_EQ(t.find_or_add(v4(1), kT0 + 1), a);
  EXPECT_EQ(t.find(v4(1))->requests, 5u);
  EXPECT_EQ(t.find(v4(2)), nullptr);
  EXPECT_EQ(t.in_use(), 1u);
}

TEST(ClientTable, RecentListsClientsNewestFirstUpToMax) {
  ClientTable t(64, 7);
  for (uint32_t i = 1; i <= 5; ++i) t.find_or_add(v4(i), kT0 + i * kS)->requests = i;
  t.find_or_add(v4(2), kT0)->last_ns = kT0 + 10 * kS;  // heard again, last
  std::vector<ClientRecord> all = t.recent(100);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].address, v4(2));
  EXPECT_EQ(all[1].address, v4(5));
  EXPECT_EQ(all[4].address, v4(1));
  std::vector<ClientRecord> two = t.recent(2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].requests, 5u);
  EXPECT_TRUE(ClientTable(64, 7).recent(10).empty());
}

TEST(ClientTable, MemoryStaysBoundedWhateverTheNumberOfClients) {
  ClientTable t(1024, 42);
  for (uint32_t i = 0; i < 100'000; ++i) ASSERT_NE(t.find_or_add(v4(i), kT0 + i), nullptr);
  EXPECT_EQ(t.capacity(), 1024u);
  EXPECT_LE(t.in_use(), 1024u);
  EXPECT_EQ(t.clients_seen(), 100'000u);
}

TEST(ClientTable, EveryRecordKeptIsFoundByItsAddressAndNoOther) {
  // Far more clients than records: evictions reuse records and slots, and a
  // slot's short tag matches other addresses now and then.
  ClientTable t(256, 3);
  for (uint32_t i = 0; i < 20'000; ++i) t.find_or_add(v4(i), kT0 + i);
  std::vector<ClientRecord> kept = t.recent(1000);
  ASSERT_EQ(kept.size(), t.in_use());
  EXPECT_GT(t.in_use(), 200u);  // buckets fill unevenly, but most records are used
  for (const ClientRecord& r : kept) {
    ClientRecord* found = t.find(r.address);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->address, r.address);
  }
  size_t found = 0;
  for (uint32_t i = 0; i < 20'000; ++i) {
    if (ClientRecord* r = t.find(v4(i))) {
      EXPECT_EQ(r->address, v4(i));
      ++found;
    }
  }
  EXPECT_EQ(found, t.in_use());
}

TEST(ClientTable, AnEvictedClientComesBackAsNew) {
  ClientTable t(ClientTable::kWays, 7);
  for (uint32_t i = 0; i <= ClientTable::kWays; ++i) t.find_or_add(v4(i), kT0 + i * kS)->requests = 9;
  ASSERT_EQ(t.find(v4(0)), nullptr);
  ClientRecord* back = t.find_or_add(v4(0), kT0 + 50 * kS);
  EXPECT_EQ(back->requests, 0u);
  EXPECT_EQ(back->last_ns, kT0 + 50 * kS);
  EXPECT_EQ(t.in_use(), ClientTable::kWays);
  EXPECT_EQ(t.clients_seen(), ClientTable::kWays + 2);
}

TEST(ClientTable, EvictsTheLeastRecentlySeen) {
  // One bucket: the ninth client pushes out the one seen longest ago.
  ClientTable t(ClientTable::kWays, 7);
  for (uint32_t i = 0; i < ClientTable::kWays; ++i) t.find_or_add(v4(i), kT0 + i * kS);
  t.find_or_add(v4(0), kT0 + 100 * kS)->last_ns = kT0 + 100 * kS;  // 0 is fresh again
  t.find_or_add(v4(99), kT0 + 200 * kS);
  EXPECT_NE(t.find(v4(0)), nullptr);
  EXPECT_EQ(t.find(v4(1)), nullptr);  // the oldest
  EXPECT_NE(t.find(v4(99)), nullptr);
}

TEST(RateLimit, DisabledAlwaysAnswers) {
  ClientRecord c;
  RateLimit off;
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(admit(c, off, kT0, 1), Admission::Answer);
  EXPECT_EQ(c.requests, 1000u);
}

TEST(RateLimit, BurstThenOnePerInterval) {
  RateLimit rl;
  rl.enabled = true;
  rl.interval_log2 = 1;  // 2 s
  rl.burst = 4;
  rl.leak_log2 = 4;
  ClientRecord c;
  c.tat_ns = kT0;
  int answered = 0;
  // 100 requests at the same instant, with random bits that never leak.
  for (int i = 0; i < 100; ++i) answered += admit(c, rl, kT0, 1) == Admission::Answer;
  EXPECT_EQ(answered, 4);
  // Two seconds later one more is due, not two.
  EXPECT_EQ(admit(c, rl, kT0 + 2 * kS, 1), Admission::Answer);
  EXPECT_EQ(admit(c, rl, kT0 + 2 * kS, 1), Admission::Drop);
  // After a long pause the full burst is back.
  answered = 0;
  for (int i = 0; i < 10; ++i) answered += admit(c, rl, kT0 + 100 * kS, 1) == Admission::Answer;
  EXPECT_EQ(answered, 4);
}

TEST(RateLimit, SteadyRateAtTheIntervalIsAlwaysAnswered) {
  RateLimit rl;
  rl.enabled = true;
  rl.interval_log2 = 3;
  rl.burst = 1;
  ClientRecord c;
  for (int i = 0; i < 100; ++i) EXPECT_EQ(admit(c, rl, kT0 + i * 8 * kS, 1), Admission::Answer) << i;
}

TEST(RateLimit, LeakAnswersAboutOneInFourOverTheLimit) {
  RateLimit rl;
  rl.enabled = true;
  rl.interval_log2 = 10;
  rl.burst = 1;
  rl.leak_log2 = 2;
  ClientRecord c;
  auto rng = testing::seeded_rng();
  admit(c, rl, kT0, 1);
  int answered = 0;
  for (int i = 0; i < 40'000; ++i)
    answered += admit(c, rl, kT0, static_cast<uint32_t>(rng())) == Admission::Answer;
  EXPECT_NEAR(answered, 10'000, 600);
}

TEST(RateLimit, KodInsteadOfSilence) {
  RateLimit rl;
  rl.enabled = true;
  rl.burst = 1;
  rl.leak_log2 = 4;
  rl.kod = true;
  ClientRecord c;
  EXPECT_EQ(admit(c, rl, kT0, 1), Admission::Answer);
  EXPECT_EQ(admit(c, rl, kT0, 1), Admission::Kod);
}

}  // namespace
}  // namespace lansync::core
