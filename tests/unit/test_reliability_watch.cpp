// core/reliability_watch: the activity log's became_unreliable, no_client and client_back, on fake monotonic
// times.
#include <gtest/gtest.h>

#include <climits>

#include "core/reliability_watch.hpp"

namespace lansync::core {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kSpan = 3600 * kS;

ReliabilityEventKind kind_of(const std::optional<ReliabilityEvent>& e) {
  EXPECT_TRUE(e.has_value());
  return e ? e->kind : ReliabilityEventKind::BecameUnreliable;
}

TEST(ReliabilityWatch, ExpiryThenAnHourWithoutAPhoneThenOneComes) {
  ReliabilityWatch w(kSpan);
  EXPECT_FALSE(w.observe(true, "sync-state file (source phone)", 0));
  EXPECT_EQ(w.next_due_ns(), INT64_MAX);
  auto became = w.observe(false, "no reference (expired)", 100 * kS);
  EXPECT_EQ(kind_of(became), ReliabilityEventKind::BecameUnreliable);
  EXPECT_EQ(became->why, "no reference (expired)");
  EXPECT_FALSE(w.observe(false, "no reference (expired)", 101 * kS));  // said once
  EXPECT_EQ(w.next_due_ns(), 100 * kS + kSpan);
  EXPECT_FALSE(w.due(100 * kS + kSpan - 1));
  auto none = w.due(100 * kS + kSpan);
  EXPECT_EQ(kind_of(none), ReliabilityEventKind::NoClient);
  EXPECT_EQ(none->without_phone_ns, kSpan);
  EXPECT_FALSE(none->since_start);
  // Once per unreliable period: nothing more however long it lasts.
  EXPECT_EQ(w.next_due_ns(), INT64_MAX);
  EXPECT_FALSE(w.due(100 * kS + 10 * kSpan));
  EXPECT_FALSE(w.observe(true, "sync-state file (source phone)", 100 * kS + 2 * kSpan));
  auto back = w.phone_synced(100 * kS + 2 * kSpan);
  EXPECT_EQ(kind_of(back), ReliabilityEventKind::ClientBack);
  EXPECT_EQ(back->without_phone_ns, 2 * kSpan);
  EXPECT_FALSE(w.phone_synced(100 * kS + 2 * kSpan + kS));  // only the first phone after no_client
}

TEST(ReliabilityWatch, APhoneBeforeTheSpanEndsLeavesNoLine) {
  ReliabilityWatch w(kSpan);
  w.observe(true, "", 0);
  EXPECT_TRUE(w.observe(false, "", kS));
  EXPECT_FALSE(w.phone_synced(kSpan / 2));
  EXPECT_FALSE(w.observe(true, "", kSpan / 2));
  EXPECT_EQ(w.next_due_ns(), INT64_MAX);
}

TEST(ReliabilityWatch, StartingUnreliableCountsFromStartWithoutABecameLine) {
  ReliabilityWatch w(kSpan);
  EXPECT_FALSE(w.observe(false, "no reference", 5 * kS));
  EXPECT_EQ(w.next_due_ns(), 5 * kS + kSpan);
  auto none = w.due(5 * kS + kSpan);
  EXPECT_EQ(kind_of(none), ReliabilityEventKind::NoClient);
  EXPECT_TRUE(none->since_start);
  auto back = w.phone_synced(5 * kS + kSpan + 30 * kS);
  EXPECT_EQ(kind_of(back), ReliabilityEventKind::ClientBack);
  EXPECT_TRUE(back->since_start);
  EXPECT_EQ(back->without_phone_ns, kSpan + 30 * kS);
}

TEST(ReliabilityWatch, NothingDueBeforeTheFirstObservationOrWhileReliable) {
  ReliabilityWatch w(kSpan);
  EXPECT_EQ(w.next_due_ns(), INT64_MAX);
  EXPECT_FALSE(w.due(10 * kSpan));
  EXPECT_FALSE(w.phone_synced(kS));
  w.observe(true, "", 0);
  EXPECT_FALSE(w.due(10 * kSpan));
}

TEST(ReliabilityWatch, APhoneThatLeavesItUnreliableRestartsTheSpan) {
  ReliabilityWatch w(kSpan);
  w.observe(true, "", 0);
  w.observe(false, "", kS);
  w.phone_synced(10 * kS);
  EXPECT_FALSE(w.observe(false, "", 10 * kS));
  EXPECT_EQ(w.next_due_ns(), 10 * kS + kSpan);
}

TEST(ReliabilityWatch, EachUnreliablePeriodGetsItsOwnNoClientLine) {
  ReliabilityWatch w(kSpan);
  w.observe(true, "", 0);
  w.observe(false, "", kS);
  EXPECT_TRUE(w.due(kS + kSpan));
  w.observe(true, "upstream", 2 * kSpan);  // an NTP server, not a phone: client_back still waits
  EXPECT_TRUE(w.observe(false, "", 3 * kSpan));
  EXPECT_EQ(w.next_due_ns(), 4 * kSpan);
  EXPECT_TRUE(w.due(4 * kSpan));
  auto back = w.phone_synced(4 * kSpan + kS);
  EXPECT_EQ(kind_of(back), ReliabilityEventKind::ClientBack);
  EXPECT_EQ(back->without_phone_ns, kSpan + kS);
}

TEST(ReliabilityWatch, LocalStratumAndNoReferenceAreNotReliable) {
  ReferenceChoice c;
  c.role = ReferenceRole::LastResort;
  c.state.synchronized = true;
  EXPECT_FALSE(is_reliable(c));
  c.role = ReferenceRole::Record;
  EXPECT_TRUE(is_reliable(c));
  c.state.synchronized = false;
  EXPECT_FALSE(is_reliable(c));
  EXPECT_STREQ(code(ReliabilityEventKind::NoClient), "no_client");
}

}  // namespace
}  // namespace lansync::core
