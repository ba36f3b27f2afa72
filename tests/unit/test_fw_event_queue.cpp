// Tests of the board's event queue (firmware/board/event_queue): oldest first, the oldest dropped when full.
#include <gtest/gtest.h>

#include "firmware/board/event_queue.hpp"

namespace lansync::fw {
namespace {

Event event(int64_t value_ns) { return Event{EventKind::Updated, Source::Ntp, value_ns, 0}; }

TEST(FwEventQueue, GivesEventsOldestFirst) {
  EventQueue q;
  Event e;
  EXPECT_FALSE(q.pop(&e));
  q.push(Event{EventKind::ClockSet, Source::Rtc, 7, 0});
  q.push(Event{EventKind::Kiss, Source::Ntp, 0, 0x52415445});
  EXPECT_EQ(q.size(), 2u);
  ASSERT_TRUE(q.pop(&e));
  EXPECT_EQ(e.kind, EventKind::ClockSet);
  EXPECT_EQ(e.source, Source::Rtc);
  EXPECT_EQ(e.value_ns, 7);
  ASSERT_TRUE(q.pop(&e));
  EXPECT_EQ(e.kind, EventKind::Kiss);
  EXPECT_EQ(e.code, 0x52415445u);
  EXPECT_FALSE(q.pop(&e));
}

TEST(FwEventQueue, DropsTheOldestWhenFull) {
  EventQueue q;
  for (int i = 0; i < EventQueue::kCapacity + 3; ++i) q.push(event(i));
  EXPECT_EQ(q.size(), EventQueue::kCapacity);
  Event e;
  for (int i = 3; i < EventQueue::kCapacity + 3; ++i) {
    ASSERT_TRUE(q.pop(&e));
    EXPECT_EQ(e.value_ns, i);
  }
  EXPECT_FALSE(q.pop(&e));
  // Still a ring after wrapping around.
  q.push(event(100));
  ASSERT_TRUE(q.pop(&e));
  EXPECT_EQ(e.value_ns, 100);
}

TEST(FwEventQueue, EveryKindIsDescribed) {
  for (int k = 0; k <= static_cast<int>(EventKind::AccessPointFailed); ++k)
    EXPECT_STRNE(describe(static_cast<EventKind>(k)), "unknown") << k;
}

}  // namespace
}  // namespace lansync::fw
