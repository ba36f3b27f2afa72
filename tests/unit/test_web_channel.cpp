// os/ipc_web: the sntpd ↔ sntpd-web messages round-trip, and every malformed datagram is refused.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "os/ipc_web.hpp"

namespace lansync::os::web {
namespace {

Message set_message() {
  Message m;
  m.type = Type::Set;
  m.id = 7;
  m.set.early = core::PhoneRefusal::None;
  m.set.t1_ns = 1'795'000'000'123'456'789;
  m.set.t4_ns = -5;
  m.set.token = std::string(130, 'a');
  m.set.client = "2001:db8::1";
  m.set.trigger = "button";
  m.set.user_agent = "Mozilla/5.0";
  m.set.time_zone = "Australia/Sydney";
  m.set.location = core::PhoneLocation{-338'568'000, 1'512'153'000, 2500, 1'795'000'000};
  m.set.fallback = true;
  return m;
}

// Where the location's presence byte sits: behind the zone, before its 20 bytes of integers and
// the fallback byte.
constexpr size_t kLocationFromEnd = 1 + 4 + 4 + 4 + 8 + 1;

TEST(WebChannel, SetRoundTrips) {
  std::vector<uint8_t> bytes = encode(set_message());
  auto m = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, Type::Set);
  EXPECT_EQ(m->id, 7u);
  EXPECT_EQ(m->set.t1_ns, 1'795'000'000'123'456'789);
  EXPECT_EQ(m->set.t4_ns, -5);
  EXPECT_EQ(m->set.token, std::string(130, 'a'));
  EXPECT_EQ(m->set.client, "2001:db8::1");
  EXPECT_EQ(m->set.trigger, "button");
  EXPECT_EQ(m->set.user_agent, "Mozilla/5.0");
  EXPECT_EQ(m->set.time_zone, "Australia/Sydney");
  ASSERT_TRUE(m->set.location);
  EXPECT_EQ(m->set.location->lat_e7, -338'568'000);
  EXPECT_EQ(m->set.location->lon_e7, 1'512'153'000);
  EXPECT_EQ(m->set.location->accuracy_cm, 2500u);
  EXPECT_EQ(m->set.location->unix_s, 1'795'000'000);
  EXPECT_TRUE(m->set.fallback);
}

// The fallback byte is last: 0 or 1, anything else malformed.
TEST(WebChannel, FallbackIsOneByte) {
  Message m = set_message();
  m.set.fallback = false;
  auto bytes = encode(m);
  EXPECT_EQ(bytes.back(), 0);
  auto got = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->set.fallback);
  bytes.back() = 2;
  EXPECT_EQ(decode(bytes.data(), bytes.size()).error(), DecodeError::BadField);
}

// No location is a presence byte 0; a byte other than 0 or 1, or a location out of range, is malformed.
TEST(WebChannel, LocationAbsentOrOutOfRange) {
  Message m = set_message();
  m.set.location.reset();
  auto bytes = encode(m);
  EXPECT_EQ(bytes[bytes.size() - kLocationFromEnd], 0);
  auto got = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->set.location);
  bytes[bytes.size() - kLocationFromEnd] = 2;
  EXPECT_EQ(decode(bytes.data(), bytes.size()).error(), DecodeError::BadField);

  for (auto bad : {core::PhoneLocation{900'000'001, 0, 0, 1'795'000'000},
                   core::PhoneLocation{0, -1'800'000'001, 0, 1'795'000'000},
                   core::PhoneLocation{0, 0, core::kPhoneMaxAccuracyCm + 1, 1'795'000'000},
                   core::PhoneLocation{0, 0, 0, 0}}) {
    m.set.location = bad;
    bytes = encode(m);
    EXPECT_EQ(decode(bytes.data(), bytes.size()).error(), DecodeError::BadField) << bad.lat_e7;
  }
}

// The Set payload's length includes the location: one byte less or more is refused.
TEST(WebChannel, SetWithLocationHasItsLength) {
  auto bytes = encode(set_message());
  auto shorter = bytes;
  shorter.resize(bytes.size() - kLocationFromEnd);
  uint32_t length = static_cast<uint32_t>(shorter.size() - kHeaderSize);
  for (size_t i = 0; i < 4; ++i) shorter[8 + i] = static_cast<uint8_t>(length >> (8 * i));
  EXPECT_EQ(decode(shorter.data(), shorter.size()).error(), DecodeError::BadLength);
  auto longer = bytes;
  longer.push_back(0);
  length = static_cast<uint32_t>(longer.size() - kHeaderSize);
  for (size_t i = 0; i < 4; ++i) longer[8 + i] = static_cast<uint8_t>(length >> (8 * i));
  EXPECT_EQ(decode(longer.data(), longer.size()).error(), DecodeError::BadLength);
}

// POST /sync-camera's request has the Set layout; a Set's length is its length too.
TEST(WebChannel, SyncCameraRoundTrips) {
  Message m = set_message();
  m.type = Type::SyncCamera;
  m.set.early = core::PhoneRefusal::CrossSite;
  std::vector<uint8_t> bytes = encode(m);
  auto got = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(got);
  EXPECT_EQ(got->type, Type::SyncCamera);
  EXPECT_EQ(got->set.early, core::PhoneRefusal::CrossSite);
  EXPECT_EQ(got->set.client, "2001:db8::1");
  bytes.pop_back();
  EXPECT_EQ(decode(bytes.data(), bytes.size()).error(), DecodeError::BadLength);
  bytes = encode(m);
  bytes[2] = static_cast<uint8_t>(Type::Pong) + 1;  // the first type this version does not know
  EXPECT_EQ(decode(bytes.data(), bytes.size()).error(), DecodeError::BadType);
}

// No zone and an empty zone are not the same: the empty one is refused by sntpd as unknown.
TEST(WebChannel, TimeZoneAbsentOrEmpty) {
  Message m = set_message();
  m.set.time_zone.reset();
  auto bytes = encode(m);
  auto got = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->set.time_zone);
  m.set.time_zone = "";
  bytes = encode(m);
  got = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(got);
  EXPECT_EQ(got->set.time_zone, "");
  // A presence flag other than 0 or 1 is malformed.
  bytes[bytes.size() - kLocationFromEnd - 2 - kTimeZoneCapacity - 1] = 2;
  EXPECT_EQ(decode(bytes.data(), bytes.size()).error(), DecodeError::BadField);
}

TEST(WebChannel, CountersClockAndRequestsRoundTrip) {
  Message c;
  c.type = Type::Counters;
  c.counters.requests = {1, 2, 3, 4, 5, 6};
  c.counters.host_refused = 9;
  c.counters.limited[static_cast<size_t>(Limit::Deadline)] = 11;
  auto bytes = encode(c);
  auto m = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->counters.requests, c.counters.requests);
  EXPECT_EQ(m->counters.host_refused, 9u);
  EXPECT_EQ(m->counters.limited, c.counters.limited);

  Message k;
  k.type = Type::Clock;
  k.clock.served_minus_real_ns = -5'000'000'000;
  bytes = encode(k);
  m = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->clock.served_minus_real_ns, -5'000'000'000);

  bytes = encode(request(Type::Metrics, 42));
  EXPECT_EQ(bytes.size(), kHeaderSize);
  m = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, Type::Metrics);
  EXPECT_EQ(m->id, 42u);
}

TEST(WebChannel, PingAndPongCarryTheirSequence) {
  for (Type t : {Type::Ping, Type::Pong}) {
    Message p;
    p.type = t;
    p.beat.sequence = 0x0123'4567'89ab'cdefULL;
    auto bytes = encode(p);
    EXPECT_EQ(bytes.size(), kHeaderSize + 8);
    auto m = decode(bytes.data(), bytes.size());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->type, t);
    EXPECT_EQ(m->id, 0u);
    EXPECT_EQ(m->beat.sequence, p.beat.sequence);
  }
}

TEST(WebChannel, RefusesAPingOfAnotherLength) {
  Message p;
  p.type = Type::Ping;
  auto bytes = encode(p);
  // One byte short, one byte long (the header's length agreeing with the datagram), none at all.
  for (size_t payload : {size_t{7}, size_t{9}, size_t{0}}) {
    auto wrong = bytes;
    wrong.resize(kHeaderSize + payload, 0);
    for (size_t i = 0; i < 4; ++i) wrong[8 + i] = static_cast<uint8_t>(payload >> (8 * i));
    EXPECT_EQ(decode(wrong.data(), wrong.size()).error(), DecodeError::BadLength) << payload;
  }
  auto type = bytes;
  type[2] = static_cast<uint8_t>(Type::Pong) + 1;  // the first type this version does not know
  EXPECT_EQ(decode(type.data(), type.size()).error(), DecodeError::BadType);
}

TEST(WebChannel, ReplyCarriesItsTextUpToTheLimit) {
  Message r;
  r.type = Type::Reply;
  r.id = 3;
  r.reply.status = 409;
  r.reply.body = "{\"result\":\"refused\"}\n";
  auto bytes = encode(r);
  auto m = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->reply.status, 409);
  EXPECT_EQ(m->reply.body, r.reply.body);

  r.reply.body.assign(kMaxText + 100, 'x');  // cut to kMaxText on the way out
  bytes = encode(r);
  EXPECT_EQ(bytes.size(), kMaxMessage);
  m = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->reply.body.size(), kMaxText);
}

TEST(WebChannel, RefusesTruncatedAndShortDatagrams) {
  auto bytes = encode(set_message());
  EXPECT_EQ(decode(nullptr, 0).error(), DecodeError::TooShort);
  EXPECT_EQ(decode(bytes.data(), kHeaderSize - 1).error(), DecodeError::TooShort);
  // Every truncation of a fixed-size payload is refused.
  for (size_t n = kHeaderSize; n < bytes.size(); ++n) {
    EXPECT_EQ(decode(bytes.data(), n).error(), DecodeError::BadLength) << n;
  }
}

TEST(WebChannel, RefusesWrongVersionTypeAndLength) {
  auto bytes = encode(request(Type::Time, 1));
  auto wrong = bytes;
  wrong[0] = 2;
  EXPECT_EQ(decode(wrong.data(), wrong.size()).error(), DecodeError::BadVersion);
  wrong = bytes;
  wrong[2] = 0;  // type 0
  EXPECT_EQ(decode(wrong.data(), wrong.size()).error(), DecodeError::BadType);
  wrong[2] = 99;
  EXPECT_EQ(decode(wrong.data(), wrong.size()).error(), DecodeError::BadType);
  // A payload length that is not the datagram's, and a payload a type without one may not have.
  wrong = bytes;
  wrong[8] = 1;
  EXPECT_EQ(decode(wrong.data(), wrong.size()).error(), DecodeError::BadLength);
  wrong.push_back(0);
  EXPECT_EQ(decode(wrong.data(), wrong.size()).error(), DecodeError::BadLength);
  // Oversized: a Reply longer than kHeaderSize + 2 + kMaxText.
  Message r;
  r.type = Type::Reply;
  auto big = encode(r);
  big.resize(kMaxMessage + 1, 'x');
  uint32_t length = static_cast<uint32_t>(big.size() - kHeaderSize);
  for (size_t i = 0; i < 4; ++i) big[8 + i] = static_cast<uint8_t>(length >> (8 * i));
  EXPECT_EQ(decode(big.data(), big.size()).error(), DecodeError::BadLength);
}

TEST(WebChannel, RefusesBadFields) {
  auto bytes = encode(set_message());
  auto wrong = bytes;
  wrong[kHeaderSize] = static_cast<uint8_t>(core::PhoneRefusal::kCount);  // no such refusal
  EXPECT_EQ(decode(wrong.data(), wrong.size()).error(), DecodeError::BadField);
  wrong = bytes;
  size_t token_length_at = kHeaderSize + 1 + 8 + 8;
  wrong[token_length_at] = 0xff;  // longer than the token's capacity
  wrong[token_length_at + 1] = 0xff;
  EXPECT_EQ(decode(wrong.data(), wrong.size()).error(), DecodeError::BadField);
  Message r;
  r.type = Type::Reply;
  r.reply.status = 42;  // not an HTTP status
  auto reply = encode(r);
  EXPECT_EQ(decode(reply.data(), reply.size()).error(), DecodeError::BadField);
}

TEST(WebChannel, StringsAreCutToTheirCapacity) {
  Message m = set_message();
  m.set.user_agent.assign(1000, 'u');
  m.set.client.assign(1000, 'c');
  m.set.time_zone = std::string(1000, 'z');
  auto bytes = encode(m);
  auto got = decode(bytes.data(), bytes.size());
  ASSERT_TRUE(got);
  EXPECT_EQ(got->set.user_agent.size(), kUserAgentCapacity);
  EXPECT_EQ(got->set.client.size(), kClientCapacity);
  EXPECT_EQ(got->set.time_zone->size(), kTimeZoneCapacity);
}

TEST(WebChannel, SendsAndReceivesOverASeqpacketPair) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair), 0);
  ASSERT_TRUE(send(pair[0], set_message()));
  std::vector<uint8_t> buf;
  ssize_t n = receive(pair[1], buf, false);
  ASSERT_GT(n, 0);
  auto m = decode(buf.data(), static_cast<size_t>(n));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->set.client, "2001:db8::1");
  EXPECT_EQ(receive(pair[1], buf, false), -1);  // none waiting
  // A datagram longer than any message is reported as such, not cut into one.
  std::vector<uint8_t> huge(kMaxMessage + 10, 0);
  ASSERT_EQ(::send(pair[0], huge.data(), huge.size(), 0), static_cast<ssize_t>(huge.size()));
  EXPECT_EQ(receive(pair[1], buf, false), kOversized);
  ::close(pair[0]);
  EXPECT_EQ(receive(pair[1], buf, false), 0);  // end of stream
  ::close(pair[1]);
}

}  // namespace
}  // namespace lansync::os::web
