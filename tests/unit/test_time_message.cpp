// Unit tests of a time carried by another protocol (proto/time_message): OCPP's currentTime parsed
// and read with its round trip into a time and a bound.
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "proto/time_message.hpp"

namespace lansync::proto {
namespace {

constexpr int64_t kS = kNsPerSecond;
constexpr int64_t kMs = 1'000'000;
// 2013-02-01T20:53:32Z.
constexpr int64_t kExample = int64_t{1'359'752'012} * kS;

Result<IsoTime, IsoTimeError> parse(const std::string& s) { return parse_iso_time(s.data(), s.size()); }

// currentTime of an OCPP-J CALLRESULT ([3, id, payload]) or of a bare 2.0.1 payload.
std::string current_time(const std::string& message) {
  nlohmann::json j = nlohmann::json::parse(message);
  const nlohmann::json& payload = j.is_array() ? j.at(2) : j;
  return payload.at("currentTime").get<std::string>();
}

TEST(TimeMessage, OcppAnswersParse) {
  // OCPP 1.6 Heartbeat.conf and BootNotification.conf as OCPP-J carries them (CALLRESULT arrays).
  auto a = parse(current_time(R"([3,"19223201",{"currentTime":"2013-02-01T20:53:32.486Z"}])"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->unix_ns, kExample + 486 * kMs);
  EXPECT_EQ(a->resolution_ns, kMs);
  auto b = parse(current_time(
      R"([3,"19223201",{"status":"Accepted","currentTime":"2013-02-01T20:53:32Z","interval":300}])"));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->unix_ns, kExample);
  EXPECT_EQ(b->resolution_ns, kS);  // whole seconds: a second either way
  // OCPP 2.0.1 HeartbeatResponse with an offset, and with microseconds.
  auto c = parse(current_time(R"({"currentTime":"2013-02-01T21:53:32+01:00"})"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->unix_ns, kExample);
  auto d = parse(current_time(R"({"currentTime":"2013-02-01T15:23:32.000250-05:30"})"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->unix_ns, kExample + 250'000);
  EXPECT_EQ(d->resolution_ns, 1'000);
}

TEST(TimeMessage, ZonesAndSeparators) {
  EXPECT_EQ(parse("2013-02-01t20:53:32z")->unix_ns, kExample);
  EXPECT_EQ(parse("2013-02-01 20:53:32Z")->unix_ns, kExample);
  EXPECT_EQ(parse("2013-02-01T22:53:32+0200")->unix_ns, kExample);
  EXPECT_EQ(parse("2013-02-01T18:53:32-02")->unix_ns, kExample);
  EXPECT_EQ(parse("2013-02-02T00:23:32,5+03:30")->unix_ns, kExample + 500 * kMs);
  // Twelve decimals: nanoseconds count, the rest is read and ignored.
  auto p = parse("2013-02-01T20:53:32.123456789999Z");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->unix_ns, kExample + 123'456'789);
  EXPECT_EQ(p->resolution_ns, 1);
}

TEST(TimeMessage, ALeapSecondIsTheLastSecondOfItsMinuteWithASecondMoreResolution) {
  auto l = parse("2016-12-31T23:59:60Z");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->unix_ns, parse("2016-12-31T23:59:59Z")->unix_ns);
  EXPECT_EQ(l->resolution_ns, 2 * kS);
  auto f = parse("2017-01-01T00:59:60.5+01:00");  // the same leap second, an hour east
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->unix_ns, l->unix_ns + 500 * kMs);
  EXPECT_EQ(parse("2016-12-31T23:58:60Z").error(), IsoTimeError::OutOfRange);  // not at a minute's end
}

TEST(TimeMessage, GarbageIsRefusedWithItsReason) {
  EXPECT_EQ(parse("").error(), IsoTimeError::Syntax);
  EXPECT_EQ(parse("yesterday").error(), IsoTimeError::Syntax);
  EXPECT_EQ(parse("2013-02-01").error(), IsoTimeError::Syntax);
  EXPECT_EQ(parse("2013-2-1T20:53:32Z").error(), IsoTimeError::Syntax);
  EXPECT_EQ(parse("2013-02-01T20:53Z").error(), IsoTimeError::Syntax);
  EXPECT_EQ(parse("2013-02-01T20:53:32.Z").error(), IsoTimeError::Syntax);
  EXPECT_EQ(parse("+2013-02-01T20:53:32Z").error(), IsoTimeError::Syntax);
  EXPECT_EQ(parse("2013-02-01T20:53:32").error(), IsoTimeError::NoZone);
  EXPECT_EQ(parse("2013-02-01T20:53:32.486").error(), IsoTimeError::NoZone);
  EXPECT_EQ(parse("2013-02-01T20:53:32Zulu").error(), IsoTimeError::BadZone);
  EXPECT_EQ(parse("2013-02-01T20:53:32+15:00").error(), IsoTimeError::BadZone);
  EXPECT_EQ(parse("2013-02-01T20:53:32+01:60").error(), IsoTimeError::BadZone);
  EXPECT_EQ(parse("2013-02-01T20:53:32 UTC").error(), IsoTimeError::BadZone);
  EXPECT_EQ(parse("2013-02-30T20:53:32Z").error(), IsoTimeError::OutOfRange);
  EXPECT_EQ(parse("2013-13-01T20:53:32Z").error(), IsoTimeError::OutOfRange);
  EXPECT_EQ(parse("2013-02-01T24:00:00Z").error(), IsoTimeError::OutOfRange);
  EXPECT_EQ(parse("1969-12-31T23:59:59Z").error(), IsoTimeError::OutOfRange);
  EXPECT_EQ(parse("1970-01-01T00:30:00+01:00").error(), IsoTimeError::OutOfRange);  // before the epoch
  EXPECT_EQ(parse("6389-02-01T20:53:32.486Z").error(), IsoTimeError::OutOfRange);   // beyond int64 ns (fuzz)
  EXPECT_TRUE(parse("2255-03-14T00:00:00Z").ok());
  EXPECT_EQ(parse_iso_time(nullptr, 0).error(), IsoTimeError::Syntax);
  std::string embedded("2013-02-01T20:53:32Z\0", 21);
  EXPECT_EQ(parse(embedded).error(), IsoTimeError::BadZone);
  for (IsoTimeError e :
       {IsoTimeError::Syntax, IsoTimeError::OutOfRange, IsoTimeError::NoZone, IsoTimeError::BadZone}) {
    EXPECT_STRNE(describe(e), "unknown");
  }
}

// The sender read its clock somewhere in the round trip: the time at the answer is the message's
// plus half of it, within half of it, the resolution and the sender's own error.
TEST(TimeMessage, TheRoundTripBoundsTheTime) {
  TimeMessage m;
  m.time = {kExample, kS};
  m.sent_local_ns = 100 * kS;
  m.received_local_ns = 100 * kS + 300 * kMs;
  auto r = read_time_message(m);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->utc_ns, kExample + 150 * kMs);
  EXPECT_EQ(r->error_ns, 150 * kMs + kS);
  // Wherever in the round trip the sender read it, and however it rounded its second, the truth
  // (at the answer) is within the bound.
  for (int64_t read_at : {int64_t{0}, 100 * kMs, 300 * kMs}) {
    for (int64_t true_fraction : {int64_t{0}, 499 * kMs, 999 * kMs}) {
      int64_t truth = kExample + true_fraction + (300 * kMs - read_at);  // truncated to kExample
      EXPECT_LE(std::llabs(truth - r->utc_ns), r->error_ns);
    }
  }
  m.source_error_ns = 2 * kS;
  EXPECT_EQ(read_time_message(m)->error_ns, 150 * kMs + 3 * kS);
  m.received_local_ns = m.sent_local_ns;
  EXPECT_EQ(read_time_message(m)->error_ns, 3 * kS);  // no round trip: the resolution and the sender
}

TEST(TimeMessage, ImpossibleRoundTripsAreRefused) {
  TimeMessage m;
  m.time = {kExample, kS};
  m.sent_local_ns = 10 * kS;
  m.received_local_ns = 9 * kS;
  EXPECT_EQ(read_time_message(m).error(), TimeMessageError::Backwards);
  m.received_local_ns = m.sent_local_ns + kMaxTimeMessageRoundTripNs + 1;
  EXPECT_EQ(read_time_message(m).error(), TimeMessageError::TooSlow);
  m.sent_local_ns = INT64_MIN;  // counters far apart: no overflow (fuzz)
  m.received_local_ns = 1'300'000'000;
  EXPECT_EQ(read_time_message(m).error(), TimeMessageError::TooSlow);
  m.sent_local_ns = 10 * kS;
  m.received_local_ns = m.sent_local_ns + kS;
  m.time.resolution_ns = -1;
  EXPECT_EQ(read_time_message(m).error(), TimeMessageError::BadResolution);
  m.time.resolution_ns = kS;
  m.source_error_ns = int64_t{7200} * kS;
  EXPECT_EQ(read_time_message(m).error(), TimeMessageError::BadResolution);
  for (TimeMessageError e :
       {TimeMessageError::Backwards, TimeMessageError::TooSlow, TimeMessageError::BadResolution}) {
    EXPECT_STRNE(describe(e), "unknown");
  }
}

}  // namespace
}  // namespace lansync::proto
