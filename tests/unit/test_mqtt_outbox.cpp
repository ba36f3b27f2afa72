// tools/sntpd-mqtt/outbox: the newest payload of each topic, bounded, sent again after a reconnection.
#include <gtest/gtest.h>

#include "outbox.hpp"

namespace lansync::mqtt {
namespace {

// Hands every message the outbox lets go, as the publisher does while connected; their topics.
std::vector<std::string> drain(Outbox& o) {
  std::vector<std::string> topics;
  while (auto i = o.next()) {
    topics.push_back(o.topic(*i) + "=" + o.payload(*i));
    o.handed(*i, true);
  }
  return topics;
}

TEST(MqttOutbox, ANewerPayloadReplacesOneThatHasNotGoneAndIsCounted) {
  Outbox o;
  o.put("a/state", "1");
  o.put("a/config", "c");
  o.put("a/state", "2");
  EXPECT_EQ(o.dropped(), 1u);
  EXPECT_EQ(drain(o), (std::vector<std::string>{"a/state=2", "a/config=c"}));
  o.put("a/state", "3");  // the last one went: nothing dropped
  EXPECT_EQ(o.dropped(), 1u);
  EXPECT_EQ(drain(o), (std::vector<std::string>{"a/state=3"}));
}

TEST(MqttOutbox, NoMoreThanKMaxInFlightUntilTheBrokerAcknowledges) {
  Outbox o;
  for (size_t i = 0; i < 40; ++i) o.put("t/" + std::to_string(i), "p");
  EXPECT_EQ(drain(o).size(), static_cast<size_t>(Outbox::kMaxInFlight));
  EXPECT_FALSE(o.next().has_value());
  o.acknowledged();
  o.acknowledged();
  EXPECT_EQ(drain(o).size(), 2u);
  EXPECT_EQ(o.published(), 2u);
}

TEST(MqttOutbox, TopicsAreBoundedAndOneTooManyIsDroppedAndCounted) {
  Outbox o;
  for (size_t i = 0; i < Outbox::kMaxTopics + 5; ++i) o.put("t/" + std::to_string(i), "p");
  EXPECT_EQ(o.dropped(), 5u);
  size_t sent = 0;
  for (;;) {
    auto got = drain(o);
    if (got.empty()) break;
    sent += got.size();
    for (size_t k = 0; k < got.size(); ++k) o.acknowledged();
  }
  EXPECT_EQ(sent, Outbox::kMaxTopics);
}

TEST(MqttOutbox, AfterAReconnectionEverythingGoesAgain) {
  Outbox o;
  o.put("a/config", "c");
  o.put("a/state", "s");
  drain(o);  // in flight when the connection was lost
  o.resend_all();
  EXPECT_EQ(o.in_flight(), 0);
  EXPECT_EQ(drain(o), (std::vector<std::string>{"a/config=c", "a/state=s"}));
}

TEST(MqttOutbox, AMessageTheClientDidNotTakeWaitsAgain) {
  Outbox o;
  o.put("a/state", "s");
  auto i = o.next();
  ASSERT_TRUE(i.has_value());
  o.handed(*i, false);
  EXPECT_EQ(o.in_flight(), 0);
  EXPECT_EQ(drain(o), (std::vector<std::string>{"a/state=s"}));
}

}  // namespace
}  // namespace lansync::mqtt
