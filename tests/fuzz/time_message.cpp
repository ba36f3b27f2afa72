// Fuzz target for a time another protocol carries (OCPP's currentTime); see targets.hpp.
//
// For any input: parse_iso_time either refuses it with a reason or gives an instant at or after
// 1970 with a resolution of a power of ten ns (a second more after a leap second); that instant,
// written back as UTC with nine decimals, parses to itself.  An input that starts with a 0 byte
// has a round trip in the next 16 (when it left, when the answer came, big-endian ns) before its
// text: read_time_message then either refuses or bounds the time by at least the resolution and
// half the round trip, without overflow.
#include "proto/time_message.hpp"

#include <cstring>

#include "firmware/board/text.hpp"
#include "targets.hpp"

namespace lansync::fuzz {
namespace {

constexpr Require require{"time_message"};
constexpr int64_t kS = 1'000'000'000;

bool power_of_ten(int64_t v) {
  for (int64_t p = 1; p <= kS; p *= 10) {
    if (v == p) return true;
  }
  return false;
}

int64_t read64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return static_cast<int64_t>(v);
}

}  // namespace

int time_message(const uint8_t* data, size_t size) {
  size_t skip = size >= 17 && data[0] == 0 ? 17 : 0;
  auto t = proto::parse_iso_time(reinterpret_cast<const char*>(data) + skip, size - skip);
  if (!t) {
    require(std::strcmp(proto::describe(t.error()), "unknown") != 0, "a refusal says why");
    return 0;
  }
  require(t->unix_ns >= 0, "no instant before 1970");
  require(power_of_ten(t->resolution_ns) || power_of_ten(t->resolution_ns - kS), "a power of ten ns (+1 s)");
  char text[48];
  fw::TextWriter utc(text, sizeof(text));
  utc.put_iso8601(t->unix_ns, 9);
  auto back = proto::parse_iso_time(utc.c_str(), utc.size());
  require(back.ok() && back->unix_ns == t->unix_ns, "its UTC form parses to the same instant");
  if (skip == 0) return 0;
  proto::TimeMessage m{*t, read64(data + 1), read64(data + 9), 0};
  auto r = proto::read_time_message(m);
  if (!r) return 0;
  int64_t round_trip = m.received_local_ns - m.sent_local_ns;
  require(round_trip >= 0 && round_trip <= proto::kMaxTimeMessageRoundTripNs, "only round trips it allows");
  require(r->error_ns >= t->resolution_ns + round_trip / 2,
          "the bound holds the resolution and half the trip");
  require(r->utc_ns >= t->unix_ns && r->utc_ns - t->unix_ns <= round_trip, "the time is within the trip");
  return 0;
}

}  // namespace lansync::fuzz
