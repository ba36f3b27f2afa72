// libsync/os/ipc_mqtt: the messages between sntpd and sntpd-mqtt, and what decode() refuses.
#include <gtest/gtest.h>

#include "os/ipc_mqtt.hpp"

namespace lansync::os::mqtt {
namespace {

Message round_trip(const Message& m) {
  auto back = decode(encode(m));
  EXPECT_TRUE(static_cast<bool>(back)) << encode(m);
  return back ? *back : Message{};
}

TEST(MqttChannel, EveryTypeComesBackAsItWasSent) {
  Message p;
  p.type = Type::Publish;
  p.topic = "lansync/pi/state";
  p.payload = "{\"synchronized\":true}\nwith a newline";
  Message b = round_trip(p);
  EXPECT_EQ(b.type, Type::Publish);
  EXPECT_EQ(b.topic, p.topic);
  EXPECT_EQ(b.payload, p.payload);

  for (Type t : {Type::Ping, Type::Pong}) {
    Message ping;
    ping.type = t;
    ping.sequence = 18446744073709551615ULL;
    EXPECT_EQ(round_trip(ping).sequence, ping.sequence);
    EXPECT_EQ(round_trip(ping).type, t);
  }

  Message r;
  r.type = Type::Report;
  r.report = {true, 3, 7, 11, 13, "the broker refused the connection (not authorised)"};
  Report got = round_trip(r).report;
  EXPECT_TRUE(got.connected);
  EXPECT_EQ(got.connects, 3u);
  EXPECT_EQ(got.failures, 7u);
  EXPECT_EQ(got.dropped, 11u);
  EXPECT_EQ(got.published, 13u);
  EXPECT_EQ(got.last_error, r.report.last_error);
}

TEST(MqttChannel, AReportsErrorIsCutToItsBound) {
  Message r;
  r.type = Type::Report;
  r.report.last_error = std::string(kMaxError + 50, 'x');
  EXPECT_EQ(round_trip(r).report.last_error.size(), kMaxError);
}

TEST(MqttChannel, MalformedMessagesAreRefusedWithAReason) {
  EXPECT_EQ(decode("").error(), DecodeError::BadType);
  EXPECT_EQ(decode("subscribe\n#\n").error(), DecodeError::BadType);
  EXPECT_EQ(decode("publish\nno-newline-after-the-topic").error(), DecodeError::BadTopic);
  EXPECT_EQ(decode("publish\na/#\n{}").error(), DecodeError::BadTopic);  // a wildcard
  EXPECT_EQ(decode("publish\n$SYS/x\n{}").error(), DecodeError::BadTopic);
  EXPECT_EQ(decode("publish\n\n{}").error(), DecodeError::BadTopic);
  EXPECT_EQ(decode("publish\nt\n" + std::string(kMaxPayload + 1, 'p')).error(), DecodeError::BadPayload);
  EXPECT_TRUE(static_cast<bool>(decode("publish\nt\n" + std::string(kMaxPayload, 'p'))));
  EXPECT_EQ(decode("ping").error(), DecodeError::BadType);
  EXPECT_EQ(decode("ping x").error(), DecodeError::BadNumber);
  EXPECT_EQ(decode("ping 1 2").error(), DecodeError::BadNumber);
  EXPECT_EQ(decode("pong 99999999999999999999999").error(), DecodeError::BadNumber);  // over 64 bits
  EXPECT_EQ(decode("report 2 0 0 0 0\n").error(), DecodeError::BadNumber);            // connected is 0 or 1
  EXPECT_EQ(decode("report 1 0 0 0\n").error(), DecodeError::BadNumber);              // a field short
  EXPECT_EQ(decode("report 1 0 0 0 0\n" + std::string(kMaxError + 1, 'e')).error(), DecodeError::BadNumber);
}

TEST(MqttChannel, TopicsOneMayPublishTo) {
  EXPECT_TRUE(valid_topic("lansync/pi/state"));
  EXPECT_TRUE(valid_topic("homeassistant/sensor/pi/source/config"));
  for (const char* bad : {"", "/lead", "trail/", "a//b", "a/+/b", "a/#", "$SYS/broker", "new\nline"}) {
    EXPECT_FALSE(valid_topic(bad)) << bad;
  }
  EXPECT_FALSE(valid_topic(std::string("nul\0byte", 8)));
  EXPECT_FALSE(valid_topic(std::string(kMaxTopic + 1, 't')));
}

}  // namespace
}  // namespace lansync::os::mqtt
